"""The login and password forms (Flask-WTF adds and checks their CSRF tokens)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired(), Length(max=256)])


class PasswordChangeForm(FlaskForm):
    current = PasswordField("当前密码", validators=[DataRequired(), Length(max=256)])
    new = PasswordField("新密码", validators=[DataRequired(), Length(max=256)])
    again = PasswordField("再输一遍新密码", validators=[DataRequired(), Length(max=256)])

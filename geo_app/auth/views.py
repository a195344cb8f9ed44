"""Log in and out: a form at ``/login`` (username, password, CSRF token), ``POST /logout``;
``/account/password`` where a logged-in person replaces their password (a one-time one first)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from geo_app.auth.forms import LoginForm, PasswordChangeForm
from geo_app.auth.identity import login_user, logout_user
from geo_app.auth.limits import LimitReached, guarded_secret
from geo_app.store import get_store
from geo_app.store.accounts import authenticate, get_account, set_password
from geo_app.store.errors import StoreError
from geo_app.store.models import Account
from geo_app.store.roles import ADMIN, ORGANISER, ROLES
from geo_app.web.access import public, require_roles

bp = Blueprint("auth", __name__)

#: Longest ``next`` followed after login.
MAX_NEXT_LENGTH = 2000
#: The one message for every failed login: it never tells whether the user exists.
LOGIN_FAILED = "用户名或密码错误"


class WrongPasswordError(Exception):
    """A username and password that match no active account (the only refusal counted as a
    guess; an unknown username counts exactly like a wrong password)."""


def typed_username(form: LoginForm) -> str:
    """The username as the login looks it up: what was typed, surrounding spaces dropped."""
    return (form.username.data or "").strip()


def checked_password(username: str, password: str) -> Account:
    """The active account ``username`` when ``password`` is its password, else
    :class:`WrongPasswordError`, counted once for ``username`` and once for the client address
    (:func:`~geo_app.auth.limits.guarded_secret`; a right password counts nowhere); with either
    counter full, :class:`~geo_app.auth.limits.LimitReached` (429) before any check."""

    def check() -> Account:
        with get_store().read() as db:
            account = authenticate(db, username, password)
        if account is None:
            raise WrongPasswordError
        return account

    return guarded_secret(f"account|{username}", check, wrong=WrongPasswordError)


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else ``None`` (no open redirects).

    Browsers drop tabs and newlines from a URL and read ``\\`` as ``/``, so ``/\t/evil`` and
    ``/\\evil`` lead off-site: any control character or backslash is refused, then the path
    must start with exactly one ``/`` and carry no scheme or host once parsed.
    """
    if not target or len(target) > MAX_NEXT_LENGTH:
        return None
    if "\\" in target or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def home_for(role: str) -> str:
    if role == ADMIN:
        return url_for("admin.accounts")
    if role == ORGANISER:
        return url_for("organise.index")
    return url_for("grid.my_grid")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    """登录：用户名与密码；失败时只提示“用户名或密码错误”。"""
    form = LoginForm()
    if request.method == "POST":
        account = None  # an empty form and a wrong password are told alike
        if form.validate_on_submit():
            try:
                # DataRequired() passed: both hold text (wtforms types .data as str | None)
                account = checked_password(typed_username(form), form.password.data or "")
            except LimitReached as refused:  # the form again, saying how long to wait
                return (render_template("auth_login.html", form=form, too_many=refused.message),
                        429, refused.headers)
            except WrongPasswordError:
                account = None
        if account is not None:
            login_user(account)
            return redirect(safe_next(request.args.get("next")) or home_for(account.role))
        flash(LOGIN_FAILED, "error")
        return render_template("auth_login.html", form=form), 401
    return render_template("auth_login.html", form=form)


@bp.post("/logout")
@require_roles(*ROLES)
def logout() -> Response:
    """退出登录。"""
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@require_roles(*ROLES)
def change_password() -> Response | tuple[str, int] | str:
    """修改自己的密码：当前密码、新密码两遍；成功后其他登录一律失效，本次登录继续。"""
    form = PasswordChangeForm()
    if request.method == "GET":
        return render_template("auth_password.html", form=form)
    problem = _password_problem(form)
    if problem is None:
        try:
            with get_store().write() as db:
                account = get_account(db, g.user.id)
                assert account is not None  # the logged-in account exists
                set_password(db, account, form.new.data or "", actor=g.user.username)
                role = account.role
            login_user(account)  # set_password ended every session, this one too: a fresh one
        except StoreError as exc:
            problem = str(exc)
        else:
            flash("密码已修改，其他设备上的登录已失效。", "ok")
            return redirect(home_for(role))
    flash(f"未修改：{problem}", "error")
    return render_template("auth_password.html", form=form), 400


def _password_problem(form: PasswordChangeForm) -> str | None:
    """Why the form cannot change the password, or None. A wrong current password counts as
    a guess at the account, as at the login; too many of them end the request with 429."""
    if not form.validate_on_submit():
        return "请填写当前密码和两遍新密码"
    if form.new.data != form.again.data:
        return "两次输入的新密码不一致"
    if form.new.data == form.current.data:
        return "新密码不能与当前密码相同"
    try:
        checked_password(g.user.username, form.current.data or "")
    except WrongPasswordError:
        return "当前密码不正确"
    return None

"""Service stations as residents see them: the nearest open ones, opening hours, current
stock, and the places (buildings, 小区) to start from."""

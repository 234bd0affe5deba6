"""Pages for affected people. Nothing here may tell a visitor whether anyone is in the file."""

from flask import Blueprint

blueprint = Blueprint("public", __name__)

from portal.web.public import account, contact, identify, letters, views  # noqa: E402,F401  (register the routes)

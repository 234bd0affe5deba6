"""Pages for affected people. Nothing here may tell a visitor whether anyone is in the file."""

from flask import Blueprint

blueprint = Blueprint("public", __name__)

from portal.web.public import account, contact, identify, interpreter, lawyer, letters, views  # noqa: E402,F401  (register the routes)
from portal.web.public.signed_in import load_person_language  # noqa: E402

blueprint.before_request(load_person_language)

"""Flask extensions, created unbound and bound to the app by the factory."""

from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()

from flask import render_template

from portal.db import session
from portal.services.incidents import list_incidents
from portal.web.public import blueprint


@blueprint.get("/")
def start():
    return render_template("public/start.html", incidents=list_incidents(session()))

"""The console's home page: the sections the staff member's role can use."""

from __future__ import annotations

from flask import render_template

from portal.web.staff import blueprint
from portal.web.staff.auth import staff_required


@blueprint.get("")
@staff_required()
def home():
    return render_template("staff/home.html", refused=False)

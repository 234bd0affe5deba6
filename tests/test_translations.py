import subprocess
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


def test_the_committed_message_catalogue_template_is_up_to_date(tmp_path):
    fresh = tmp_path / "messages.pot"

    subprocess.run([str(REPOSITORY / "bin" / "extract-messages"), str(fresh)], check=True)

    committed = (REPOSITORY / "translations" / "messages.pot").read_text()
    assert fresh.read_text() == committed, "run bin/extract-messages and commit translations/messages.pot"

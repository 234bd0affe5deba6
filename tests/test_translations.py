import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal import catalogues
from portal.catalogues import check_catalogue, translatable_locales

REPOSITORY = Path(__file__).resolve().parent.parent


def test_the_committed_message_catalogue_template_is_up_to_date(tmp_path):
    fresh = tmp_path / "messages.pot"

    subprocess.run([str(REPOSITORY / "bin" / "extract-messages"), str(fresh)], check=True)

    committed = (REPOSITORY / "translations" / "messages.pot").read_text()
    assert fresh.read_text() == committed, "run bin/extract-messages and commit translations/messages.pot"


# Every language complete and sound


@pytest.mark.parametrize("locale", translatable_locales())
def test_every_language_has_every_message_translated_with_its_placeholders_and_script(locale):
    report = check_catalogue(locale)

    assert report.total == len(template_ids())
    assert report.problems == {problem: [] for problem in report.problems}, locale


def test_adding_a_language_takes_a_catalogue_and_one_line():
    on_disk = {path.parent.parent.name for path in (REPOSITORY / "translations").glob("*/LC_MESSAGES/messages.po")}

    assert on_disk == set(translatable_locales())


@pytest.mark.parametrize(("msgid", "msgstr", "locale", "problem"), [
    ("Your code is %(code)s.", "", "es", "untranslated"),
    ("Your code is %(code)s.", "Su código es %(codigo)s.", "es", "placeholders differ"),
    ("Your code is %(code)s.", "Su código es.", "es", "placeholders differ"),
    ("Continue", "Continue", "fr", "same as English"),
    ("Continue", "Continue", "ar", "same as English"),
    ("Continue", "Prodolzhit", "ru", "not in the language's script"),
    ("Continue", "जारी रखें", "pa", "not in the language's script"),
    ("Continue", "متابعة", "zh_Hans", "not in the language's script"),
])
def test_the_catalogue_check_finds_each_kind_of_problem(tmp_path, msgid, msgstr, locale, problem):
    path = tmp_path / "messages.po"
    path.write_text(f'msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\n#, python-format\n'
                    f'msgid "{msgid}"\nmsgstr "{msgstr}"\n', encoding="utf-8")

    report = check_catalogue(locale, path)

    assert report.problems[problem] == [msgid]
    assert not report.complete


def test_a_plural_form_that_pybabel_compile_would_refuse_is_a_problem(tmp_path):
    path = tmp_path / "messages.po"
    path.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\n#, python-format\n'
                    'msgid "We sent it in %(language)s."\nmsgid_plural "We sent %(num)d, in %(language)s."\n'
                    'msgstr[0] "Enviamos %(num)d en %(language)s."\nmsgstr[1] "Enviamos %(num)d en %(language)s."\n',
                    encoding="utf-8")

    assert check_catalogue("es", path).placeholder_mismatch == ["We sent it in %(language)s."]


def test_a_fuzzy_message_is_a_problem(tmp_path):
    path = tmp_path / "messages.po"
    path.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\n#, fuzzy\n'
                    'msgid "Continue"\nmsgstr "Continuar"\n', encoding="utf-8")

    assert check_catalogue("es", path).fuzzy == ["Continue"]


def test_us_place_names_may_stay_as_they_are_in_latin_script_languages(tmp_path):
    path = tmp_path / "messages.po"
    path.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\n'
                    'msgid "Texas"\nmsgstr "Texas"\n', encoding="utf-8")

    assert check_catalogue("es", path).complete
    assert check_catalogue("ru", path).same_as_english == ["Texas"]


def test_the_status_command_reports_each_language_and_fails_on_a_gap(runner, tmp_path, monkeypatch):
    result = runner.invoke(args=["translations", "status"])

    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == len(translatable_locales())
    assert all(line.rstrip().endswith("complete") for line in result.output.splitlines())
    broken = tmp_path / "es" / "LC_MESSAGES"
    broken.mkdir(parents=True)
    (broken / "messages.po").write_text('msgid ""\nmsgstr ""\n\nmsgid "Continue"\nmsgstr ""\n', encoding="utf-8")
    monkeypatch.setattr(catalogues, "TRANSLATIONS", tmp_path)
    failed = runner.invoke(args=["translations", "status", "--locale", "es", "--details"])
    assert failed.exit_code == 1
    assert "untranslated: 'Continue'" in failed.output


def template_ids() -> set[str]:
    with (REPOSITORY / "translations" / "messages.pot").open("rb") as file:
        return {message.id if isinstance(message.id, str) else message.id[0] for message in read_po(file) if message.id}

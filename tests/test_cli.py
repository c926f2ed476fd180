"""The command line: exit codes and the messages editors see."""
from __future__ import annotations

import re

from click.testing import CliRunner

from bot import settings
from bot.cli import cli
from tests.conftest import edit_yaml, record


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


def test_cli_kb_validate_ok():
    result = invoke("kb", "validate")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("OK: 5 documents")


def test_cli_kb_validate_reports_file_record_field(knowledge_copy):
    edit_yaml(knowledge_copy / "lp_combinatietrajecten.yml", lambda d: record(d, "topics", "lp-bvs-wat")["sources"][0].update(section="3.9"))
    result = invoke("kb", "validate", "--knowledge-dir", str(knowledge_copy), "--sources-dir", str(settings.sources_dir()))
    assert result.exit_code == 1
    assert re.search(r"\[K023\] lp_combinatietrajecten.yml:\d+#lp-bvs-wat.sources\[0\].section: onbekende sectie '3.9' in document lp", result.stderr)
    assert "Error: 1 probleem/problemen gevonden" in result.stderr


def test_cli_kb_build_writes_db(tmp_path):
    db = tmp_path / "k.db"
    result = invoke("kb", "build", "--db", str(db))
    assert result.exit_code == 0 and db.is_file()
    assert result.stdout == f"Gebouwd: {db}\n"


def test_cli_kb_build_invalid_knowledge_fails_cleanly(knowledge_copy, tmp_path):
    edit_yaml(knowledge_copy / "lp_combinatietrajecten.yml", lambda d: record(d, "topics", "lp-bvs-wat").update(answer=""))
    result = invoke("kb", "build", "--knowledge-dir", str(knowledge_copy), "--db", str(tmp_path / "k.db"))
    assert result.exit_code == 1
    assert "Error: [K000]" in result.stderr and re.search(r"\[K014\] lp_combinatietrajecten.yml:\d+#lp-bvs-wat.answer", result.stderr)
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "k.db").exists()


def test_cli_quality_dead_assistant_gives_clear_error():
    result = invoke("quality", "--url", "http://127.0.0.1:9")
    assert result.exit_code == 1
    assert "Error: [Q020]" in result.stderr and "gestart" in result.stderr


def test_cli_every_command_has_help_with_example():
    def walk(group, prefix=()):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                yield from walk(command, prefix + (name,))
            else:
                yield prefix + (name,), command

    for path, command in walk(cli):
        assert command.help and "Example:" in command.help, f"{' '.join(path)} mist help met voorbeeld"


def test_cli_nlp_report_lists_intents_weakest_first(tmp_path):
    import json

    report = tmp_path / "intent_report.json"
    report.write_text(json.dumps({
        "glow_wat": {"precision": 0.9, "recall": 0.8, "f1-score": 0.85, "support": 30},
        "bvs_wat": {"precision": 0.7, "recall": 0.6, "f1-score": 0.65, "support": 20},
        "accuracy": 0.8,
        "macro avg": {"precision": 0.8, "recall": 0.7, "f1-score": 0.75, "support": 50},
    }), encoding="utf-8")
    result = invoke("nlp", "report", str(report))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[2].startswith("| bvs_wat | 0.70 | 0.60 | 0.65 | 20 |") and lines[3].startswith("| glow_wat |")
    assert "| **macro avg** |" in lines[4] and "**0.750**" in lines[4]


def test_cli_check_passes_on_the_project():
    result = invoke("check", "--no-rasa")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK")


def test_cli_check_names_file_record_and_field_to_fix(knowledge_copy, monkeypatch):
    edit_yaml(knowledge_copy / "lp_combinatietrajecten.yml",
              lambda data: record(data, "topics", "lp-bvs-wat")["sources"][0].__setitem__("section", "3.9"))
    monkeypatch.setenv("DRAAIBOEK_KNOWLEDGE_DIR", str(knowledge_copy))
    result = invoke("check", "--no-rasa")
    assert result.exit_code == 1
    assert re.search(r"\[K023\] knowledge/lp_combinatietrajecten.yml:\d+#lp-bvs-wat.sources\[0\].section: onbekende sectie '3.9'", result.output)

"""docs/workflow.md is generated from the workflow tables and must stay in step with them."""

import pytest
from django.core.management import CommandError, call_command

from xuncha.core import workflow_docs


def test_workflow_doc_is_up_to_date():
    path = workflow_docs.doc_path()
    assert path.exists(), "docs/workflow.md is missing: run `xuncha workflow_docs`"
    assert path.read_text(encoding="utf-8") == workflow_docs.render(), (
        "docs/workflow.md is stale: run `xuncha workflow_docs` and commit the result"
    )


def test_check_command_passes_on_current_file():
    call_command("workflow_docs", "--check")


def test_check_command_fails_on_stale_file(tmp_path, monkeypatch):
    stale = tmp_path / "workflow.md"
    stale.write_text("# old\n", encoding="utf-8")
    monkeypatch.setattr(workflow_docs, "doc_path", lambda: stale)
    with pytest.raises(CommandError):
        call_command("workflow_docs", "--check")
    call_command("workflow_docs")  # rewrites the stale copy
    call_command("workflow_docs", "--check")


def test_every_transition_appears_in_its_diagram():
    text = workflow_docs.render()
    for wf in workflow_docs.workflows():
        assert wf.steps, wf.key
        for step in wf.steps:
            assert f"    {step.source} --> {step.target}: " in text
            assert step.source in wf.labels() and step.target in wf.labels()

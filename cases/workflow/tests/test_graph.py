"""The README's workflow diagram is the output of `manage.py workflow_graph`."""

import re
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from cases.management.commands.workflow_graph import END, START, mermaid, readme_block
from cases.models import Case, CaseState


def test_command_prints_every_state_and_every_transition_label():
    out = StringIO()
    call_command("workflow_graph", stdout=out)
    text = out.getvalue()
    assert text == mermaid() and text.startswith("stateDiagram-v2")
    for state, label in CaseState.choices:
        assert f'state "{label}" as {state}' in text
    for t in Case().get_all_state_transitions():
        assert f": {t.custom['label']}" in text
    assert "county_review --> confirmed: 县级审批同意" in text
    assert "refused --> [*]" in text


def test_readme_diagram_matches_the_code():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    match = re.search(re.escape(START) + ".*?" + re.escape(END), readme, re.S)
    assert match, "README.md lacks the workflow diagram block"
    assert match.group(0) == readme_block(), (
        "README diagram is stale: run `manage.py workflow_graph --update-readme`"
    )

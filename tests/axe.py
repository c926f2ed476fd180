"""axe-core (the copy inside the pinned axe-playwright-python) run in a Playwright page: the widget's and
the review page's accessibility checks."""
from __future__ import annotations

import importlib.util
from pathlib import Path

_SPEC = importlib.util.find_spec("axe_playwright_python")
AXE_JS = Path(_SPEC.origin).parent / "axe.min.js" if _SPEC else None


def axe_violations(page) -> list[str]:
    """axe-core's violations on the page as it is (shadow roots included): "rule: target" lines."""
    assert AXE_JS is not None, "axe-core ontbreekt: installeer axe-playwright-python (requirements/project.txt)"
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {n['target']}" for v in result["violations"] for n in v["nodes"]]

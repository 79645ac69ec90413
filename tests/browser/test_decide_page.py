"""The decide page treats Yes and No alike: same size, same order, nothing pre-chosen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import OpenTab
from tests.browser.tab import Tab
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

PURPOSES = [
    "recording",
    "transcription",
    "ai_features",
    "product_improvement",
    "ai_training",
    "third_party_sharing",
]
FOCUSED = """() => {
  const e = document.activeElement;
  return {tag: e.tagName.toLowerCase(), name: e.getAttribute("name") || "",
          value: e.getAttribute("value") || "", text: e.textContent.trim().slice(0, 60)};
}"""


def _decide(open_tab: OpenTab, server: LiveServer, label: str, width: int = 1000) -> Tab:
    tab = open_tab(label, width=width)
    tab.goto(server.join_link("Diane Candidate"))
    tab.page.wait_for_url(f"**/m/{server.creds['meeting_id']}")
    return tab


@pytest.mark.parametrize("width", [1000, 360])
def test_yes_and_no_are_the_same_size_in_the_same_order(
    width: int, server: LiveServer, open_tab: OpenTab
) -> None:
    tab = _decide(open_tab, server, f"decide-{width}px", width)
    tab.seen("decide")
    pairs = tab.page.locator(".answers")
    assert pairs.count() == len(PURPOSES)
    for i in range(pairs.count()):
        yes, no = pairs.nth(i).locator("label").all()
        expect(yes).to_have_text("Yes")
        expect(no).to_have_text("No")
        a, b = _box(yes), _box(no)
        assert a[2:] == b[2:], f"{PURPOSES[i]}: Yes {a} and No {b} differ in size"
        assert a[1] == b[1], f"{PURPOSES[i]}: Yes and No sit side by side"
        assert a[0] < b[0], f"{PURPOSES[i]}: Yes comes first, as everywhere"


def _box(locator: Locator) -> tuple[float, float, float, float]:
    """x, y, width, height, to a tenth of a pixel."""
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not shown"
    return round(box["x"], 1), round(box["y"], 1), round(box["width"], 1), round(box["height"], 1)


def test_nothing_is_chosen_for_the_participant(server: LiveServer, open_tab: OpenTab) -> None:
    tab = _decide(open_tab, server, "decide")
    assert tab.page.locator("input[type=radio]").count() == 2 * len(PURPOSES)
    assert tab.page.locator("input:checked").count() == 0
    tab.seen("nothing-chosen")


def test_keyboard_reaches_each_question_in_order_before_saving(
    server: LiveServer, open_tab: OpenTab
) -> None:
    tab = _decide(open_tab, server, "keyboard")
    stops = _tab_stops_until_save(tab.page)

    assert stops[0]["text"] == "Skip to content"
    answers = [s for s in stops if s["name"].startswith("answer_")]
    assert [(s["name"], s["value"]) for s in answers] == [(f"answer_{p}", "yes") for p in PURPOSES]
    assert stops.index(answers[0]) < len(stops) - 1, "the first Yes comes before the save button"
    tab.seen("save-focused")


def _tab_stops_until_save(page: Page) -> list[dict[str, str]]:
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    x, y, _w, _h = _box(skip)
    assert min(x, y) >= 0, "the skip link shows on screen when it has focus"
    stops = [page.evaluate(FOCUSED)]
    for _ in range(60):
        if stops[-1]["text"] == "Save my answers and join":
            return stops
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUSED))
    raise AssertionError(f"Tab never reached the save button: {stops}")

"""What a study item shows: question and answer as Markdown, for any UI."""

from __future__ import annotations

from drillbreak.deck import cloze
from drillbreak.deck.items import StudyItem


def question(item: StudyItem) -> str:
    card = item.card
    if card.type == "basic":
        return card.back if item.is_reverse else card.front
    if card.type == "cloze":
        return cloze.render(card.text, item.cloze_number or 1, revealed=False)
    if card.type == "choice":
        return card.question
    if card.type == "diagnosis":
        return f"{card.scenario}\n\n**{card.question}**"
    if card.type == "open":
        return card.prompt
    if card.type == "predict":
        return card.prompt  # the app shows the review's own (``PredictRound.prompt``)
    raise AssertionError(card.type)  # pragma: no cover


def answer(item: StudyItem) -> str:
    """The answer side (for choice/diagnosis the per-choice feedback is separate)."""
    card = item.card
    if card.type == "basic":
        return card.front if item.is_reverse else card.back
    if card.type == "cloze":
        text = cloze.render(card.text, item.cloze_number or 1, revealed=True, mark=("**", "**"))
        return f"{text}\n\n{card.extra}" if card.extra else text
    if card.type == "diagnosis":
        return card.takeaway or ""
    if card.type == "open":
        return card.model_answer
    if card.type == "predict":
        return card.explain or ""
    return ""

"""Where meetwatch is used decides what it may analyse.

The EU AI Act, Art. 5(1)(f), forbids inferring the emotions of people in workplaces and
education (medical and safety uses aside), and showing only averages does not escape it:
each face is still analysed. So the first run asks where meetwatch is used and, for
education and workplaces in the EU, switches emotion off altogether (attention-only mode).
Until the question is answered meetwatch assumes the strictest case, because guessing
"elsewhere" could be unlawful while guessing "EU school" only costs a feature.

Both shells use this module: the CLI asks on the terminal, the tray in its first-run
dialog, and both show `MODE_HELP` wherever the mode can be changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar, get_args

from meetwatch.config import Config

T = TypeVar("T")
UsedIn = Literal["education", "workplace", "other"]
USES: tuple[UsedIn, ...] = get_args(UsedIn)
USE_LABELS: dict[UsedIn, str] = {
    "education": "education (school, university, courses, training)",
    "workplace": "workplace (meetings with colleagues or staff, interviews)",
    "other": "other (personal use, public events, research with consent)",
}

MODE_HELP: dict[str, str] = {
    "attention-only": "Attention only: emotion is never analysed (the emotion model is not "
    "even loaded). Engagement comes from whether people look at the screen and are present. "
    "The default for education and workplaces in the EU, where the AI Act forbids emotion "
    "recognition.",
    "aggregate-only": "Aggregate only: only room figures are shown, sent and reported, and "
    "none while fewer faces than the minimum are visible, so an average never points at "
    "one or two people.",
    "individual": "Individual figures: each participant's attention and engagement appear "
    "in the overlay, the feed and the reports, labelled Participant N.",
    "emotion": "Emotion on: facial expression is estimated per face and feeds the "
    "engagement score and the room's emotion mix. Never use it to judge or rank people.",
}


def attention_only_for(used_in: UsedIn, in_eu: bool) -> bool:
    """The lawful default mode for an answer."""
    return in_eu and used_in in ("education", "workplace")


def answered(config: Config) -> bool:
    """Whether the presenter has said where meetwatch is used, or chose the mode explicitly
    in the config file (then there is nothing left to decide)."""
    privacy = config.privacy
    chosen = "attention_only" in privacy.model_fields_set
    return chosen or (privacy.used_in is not None and privacy.in_eu is not None)


def with_answer(config: Config, used_in: UsedIn, in_eu: bool) -> Config:
    """The config with the answer recorded and the mode it implies."""
    privacy = config.privacy.model_copy(
        update={
            "used_in": used_in,
            "in_eu": in_eu,
            "attention_only": attention_only_for(used_in, in_eu),
        }
    )
    return config.model_copy(update={"privacy": privacy})


def with_attention_only(config: Config, enabled: bool) -> Config:
    privacy = config.privacy.model_copy(update={"attention_only": enabled})
    return config.model_copy(update={"privacy": privacy})


def mode_name(config: Config) -> str:
    """The mode in words, e.g. "attention-only, aggregate-only" or "individual, emotion"."""
    who = "aggregate-only" if config.privacy.mode == "aggregate_only" else "individual"
    what = "attention-only" if config.privacy.attention_only else "emotion on"
    return f"{what}, {who}"


def mode_help(config: Config) -> str:
    """What the mode in use does, in two sentences-sized paragraphs."""
    what = "attention-only" if config.privacy.attention_only else "emotion"
    who = "aggregate-only" if config.privacy.mode == "aggregate_only" else "individual"
    return MODE_HELP[what] + "\n" + MODE_HELP[who]


def ask(read: Callable[[], str], write: Callable[[str], None]) -> tuple[UsedIn, bool] | None:
    """Ask the two first-run questions; None when the input ends without an answer.

    `read` returns one line ("" at end of input), `write` shows text; the CLI passes the
    terminal's, tests a real pseudo-terminal.
    """
    write("Where will meetwatch be used?\n")
    for i, use in enumerate(USES, 1):
        write(f"  {i}. {USE_LABELS[use]}\n")
    used_in = _choose(read, write, "Choose 1-3: ", {str(i): u for i, u in enumerate(USES, 1)})
    if used_in is None:
        return None
    yes_no = {"y": True, "yes": True, "n": False, "no": False}
    in_eu = _choose(read, write, "Are the people you watch in the EU? [y/n]: ", yes_no)
    if in_eu is None:
        return None
    return used_in, in_eu


def _choose(
    read: Callable[[], str], write: Callable[[str], None], prompt: str, options: dict[str, T]
) -> T | None:
    while True:
        write(prompt)
        line = read()
        if not line:
            return None
        choice = options.get(line.strip().lower())
        if choice is not None:
            return choice
        write(f"please answer one of: {', '.join(options)}\n")

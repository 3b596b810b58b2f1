"""The hand-off to a person on Slack, end to end: "Still need help?" under an answer → the case in the escalation
channel once (pressed twice, or on two workers), the thread told who was called in, the case kept as a gap."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from tests.clirun import run_cli
from tests.fakes import FakeEngine
from tests.slack_fake import FakeSlackAPI, wait_for
from tests.slack_harness import HttpSlack, block_action, mention

pytestmark = pytest.mark.slow

CHANNELS = """
slack:
  escalation: {channel: C0HELP, usergroup: S0EDITORS, label: the news desk}
"""


def channels_file(tmp_path: Path, text: str = CHANNELS) -> str:
    path = tmp_path / "channels.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def slack(tmp_path):
    harness = HttpSlack(tmp_path, BRIEFBOT_CHANNELS=channels_file(tmp_path))
    yield harness
    harness.close()


def answered(h: HttpSlack, question: str, index: int = 0, **event: object) -> dict:
    """Ask in a channel; the answer message as Slack holds it (ts, text, blocks, thread_ts)."""
    h.send(mention(question, **event))
    ts = h.placeholder_ts(index)
    h.answer_to(ts)
    return dict(h.api.messages[ts])


def action_ids(blocks: list[dict]) -> list[str]:
    return [e.get("action_id") for b in blocks if b["type"] in ("actions", "context_actions") for e in b["elements"]]


def press(h: HttpSlack, message: dict, answer_id: str, user: str = "U0USER"):
    return h.send(block_action(message, message["channel"], "briefbot_handoff", answer_id, user=user), form=True)


def cases(api: FakeSlackAPI, channel: str = "C0HELP") -> list:
    return [c for c in api.calls("chat.postMessage") if c.body.get("channel") == channel and c.status == 200]


def test_the_button_is_offered_and_pressing_it_calls_the_team_in_once(slack, tmp_path):
    message = answered(slack, "What did Borrell say about China?")
    assert action_ids(message["blocks"]) == ["briefbot_feedback", "briefbot_handoff"]
    answer_id = message["blocks"][-1]["elements"][0]["value"]

    assert press(slack, message, answer_id).status == 200
    [case] = wait_for(lambda: cases(slack.api), what="the case in the escalation channel")
    shown = json.dumps(case.body["blocks"], ensure_ascii=False)
    assert case.body["blocks"][0]["text"]["text"].startswith("🙋 <!subteam^S0EDITORS> <@U0USER> still needs help")
    assert "What did Borrell say about China?" in shown  # the question
    assert "Echo: What did Borrell say about China?" in shown  # the answer
    assert "¶16" in shown and "Josep Borrell" in shown  # its sources
    assert f"https://fake.slack.com/archives/C0CHAN/p{message['ts'].replace('.', '')}" in shown  # the thread

    note = wait_for(lambda: [c for c in slack.api.calls("chat.update") if c.body.get("ts") == message["ts"]
                             and "called in" in json.dumps(c.body["blocks"])], what="the note in the thread")
    blocks = note[0].body["blocks"]
    assert "briefbot_handoff" not in action_ids(blocks)  # nobody presses it twice by accident
    assert "the news desk" in json.dumps(blocks) and "<#C0HELP>" in json.dumps(blocks)

    press(slack, message, answer_id, user="U0OTHER")  # an old copy of the message, pressed again
    wait_for(lambda: slack.api.calls("chat.postEphemeral"), what="the second presser is told")
    slack.api.quiet()
    assert len(cases(slack.api)) == 1
    assert "already" in slack.api.calls("chat.postEphemeral")[0].body["text"]

    [gap] = [g for g in slack.gaps.gaps() if g.kind == "escalated"]
    assert gap.question == "What did Borrell say about China?" and gap.platform == "slack"
    listed = run_cli(["gaps", "--json"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    [group] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert group["escalated"] == 1 and group["example"] == "What did Borrell say about China?"


def test_presses_at_once_on_two_workers_post_one_case(slack, tmp_path):
    other = HttpSlack(tmp_path, api=slack.api, BRIEFBOT_CHANNELS=channels_file(tmp_path))  # same state file
    try:
        message = answered(slack, "What did Borrell say about China?")
        answer_id = message["blocks"][-1]["elements"][0]["value"]
        threads = [threading.Thread(target=press, args=(h, message, answer_id)) for h in (slack, other, slack, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wait_for(lambda: cases(slack.api), what="the case")
        slack.api.quiet(0.5)
        assert len(cases(slack.api)) == 1
    finally:
        other.close()


def test_an_ungrounded_answer_offers_the_hand_off_first(slack):
    slack.bot.engine = FakeEngine("I can't find that in the articles.", grounded=False)
    message = answered(slack, "How many NATO troops are in Poland?")
    assert action_ids(message["blocks"])[0] == "briefbot_handoff"
    first = next(b for b in message["blocks"] if b["type"] == "actions")["elements"][0]
    assert first["style"] == "primary"
    answer_id = first["value"]
    press(slack, message, answer_id)
    [case] = wait_for(lambda: cases(slack.api), what="the case")
    assert "not supported by the articles" in json.dumps(case.body["blocks"])


def test_a_case_that_could_not_be_posted_is_posted_at_the_next_press(slack):
    message = answered(slack, "What did Borrell say about China?")
    answer_id = message["blocks"][-1]["elements"][0]["value"]
    slack.api.fail_once("chat.postMessage", status=500)
    press(slack, message, answer_id)
    told = wait_for(lambda: slack.api.calls("chat.postEphemeral"), what="the presser is told it failed")
    assert "press the button again" in told[0].body["text"]
    assert cases(slack.api) == []
    press(slack, message, answer_id)
    wait_for(lambda: cases(slack.api), what="the case, at the second press")
    slack.api.quiet()
    assert len(cases(slack.api)) == 1


def test_a_user_group_alone_is_called_into_the_thread(tmp_path):
    h = HttpSlack(tmp_path, BRIEFBOT_CHANNELS=channels_file(tmp_path, "slack: {escalation: {usergroup: S0DESK}}"))
    try:
        message = answered(h, "What did Borrell say about China?")
        press(h, message, message["blocks"][-1]["elements"][0]["value"])
        [case] = wait_for(lambda: cases(h.api, "C0CHAN")[1:], what="the case in the thread")
        assert case.body["thread_ts"] == message["thread_ts"]
        assert case.body["blocks"][0]["text"]["text"].startswith("🙋 <!subteam^S0DESK>")
    finally:
        h.close()


def test_without_an_escalation_target_there_is_no_button(http_slack):
    message = answered(http_slack, "What did Borrell say about China?")
    assert "briefbot_handoff" not in action_ids(message["blocks"])

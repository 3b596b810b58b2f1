"""The Slack adapter in HTTP mode, end to end: signed Events API requests → uvicorn → Bolt → the fake Web API."""
from __future__ import annotations

import json
import logging
import threading

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.common.models import Source
from bot.language.phrases import phrase
from tests.fakes import SOURCE, FakeEngine
from tests.slack_fake import BOT_ID, BOT_USER_ID, TEAM_ID, wait_for
from tests.slack_harness import (
    BOT_TOKEN,
    SECRET,
    HttpSlack,
    answer_id_of,
    block_action,
    dm,
    event_body,
    feedback_click,
    mention,
    new_ts,
    signature,
    signed_request,
)


def sections(blocks: list[dict]) -> str:
    return "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")


def test_signature_helper_matches_slack_sdk():
    body, headers = signed_request({"type": "event_callback"})
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    assert headers["X-Slack-Signature"] == signature(SECRET, headers["X-Slack-Request-Timestamp"], body)


def test_url_verification_challenge(http_slack):
    reply = http_slack.send({"token": "t", "challenge": "abc123", "type": "url_verification"})
    assert reply.status == 200 and "abc123" in reply.body


def test_channel_mention_gets_placeholder_then_one_threaded_answer(http_slack):
    release = threading.Event()
    http_slack.bot.engine = engine = FakeEngine(gate=release)
    payload = mention("What did Borrell say about China?")
    reply = http_slack.send(payload)
    assert reply.status == 200  # acknowledged while the engine is still working

    placeholder = http_slack.api.wait_calls("chat.postMessage")[0]
    assert engine.finished == 0  # visible progress before the engine is done
    release.set()
    assert placeholder.body["thread_ts"] == payload["event"]["ts"]  # threaded under the question
    assert placeholder.body["channel"] == "C0CHAN"
    assert placeholder.body["text"] == phrase("thinking", "en")

    final = http_slack.answer_to(placeholder.response["ts"])
    assert "Echo: What did Borrell say about China? [16]" in sections(final["blocks"])
    assert [b["type"] for b in final["blocks"]] == ["section", "context", "context_actions"]
    assert "¶16" in final["blocks"][1]["elements"][0]["text"]
    http_slack.api.quiet()
    assert len(http_slack.api.calls("chat.postMessage")) == 1
    assert http_slack.engine.calls == ["What did Borrell say about China?"]


def test_dutch_question_gets_a_dutch_placeholder(http_slack):
    http_slack.send(mention("Wat zei Borrell over China en de EU?"))
    placeholder = http_slack.api.wait_calls("chat.postMessage")[0]
    assert placeholder.body["text"] == phrase("thinking", "nl")


def test_mention_in_a_thread_answers_there_and_follow_up_uses_the_earlier_turn(http_slack):
    root = new_ts()
    first = mention("What did Borrell say about China?", thread_ts=root)
    http_slack.send(first)
    http_slack.answer_to(http_slack.placeholder_ts())
    follow = mention("and what about that?", thread_ts=root)
    http_slack.send(follow)
    posts = http_slack.api.wait_calls("chat.postMessage", 2)
    assert [p.body["thread_ts"] for p in posts] == [root, root]
    http_slack.answer_to(http_slack.placeholder_ts(1))
    # The follow-up reached the Bot in the same conversation, so it was widened with the previous question.
    assert http_slack.retriever.queries[0] == "What did Borrell say about China?"
    assert http_slack.retriever.queries[-1] == "and what about that? What did Borrell say about China?"
    assert len(http_slack.store.turns(f"slack:{TEAM_ID}:C0CHAN:{root}")) == 2


def test_direct_message_is_answered_in_the_dm(http_slack):
    http_slack.send(dm("What did Borrell say about China?"))
    placeholder = http_slack.api.wait_calls("chat.postMessage")[0]
    assert placeholder.body["channel"] == "D0DM" and "thread_ts" not in placeholder.body
    final = http_slack.answer_to(placeholder.response["ts"])
    assert final["channel"] == "D0DM" and "Echo: What did Borrell say" in sections(final["blocks"])
    assert len(http_slack.store.turns(f"slack:{TEAM_ID}:D0DM:dm")) == 1


def test_retried_deliveries_are_answered_once(http_slack):
    payload = mention("What did Borrell say about China?")
    headers = [{}, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
               {"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"}]
    replies: list = []
    threads = [threading.Thread(target=lambda h=h: replies.append(http_slack.send(payload, extra_headers=h)))
               for h in headers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status for r in replies] == [200, 200, 200]
    http_slack.answer_to(http_slack.placeholder_ts())
    http_slack.api.quiet()
    assert len(http_slack.api.calls("chat.postMessage")) == 1
    assert len(http_slack.engine.calls) == 1


def test_edited_mention_is_not_answered_again(http_slack):
    original = mention("What did Borrell say about China?")
    http_slack.send(original)
    http_slack.answer_to(http_slack.placeholder_ts())
    event = dict(original["event"], text=f"<@{BOT_USER_ID}> What did Borrell say about Russia?",
                 edited={"user": "U0USER", "ts": new_ts()})
    assert http_slack.send(event_body(event)).status == 200  # new event_id, same message ts
    http_slack.api.quiet()
    assert len(http_slack.api.calls("chat.postMessage")) == 1
    assert http_slack.engine.calls == ["What did Borrell say about China?"]


def test_bots_slackbot_own_and_edited_messages_are_ignored(http_slack):
    ignored = [
        mention("from another bot", bot_id="B0OTHER"),
        dm("bot message", subtype="bot_message", bot_id="B0OTHER"),
        dm("hi from slackbot", user="USLACKBOT"),
        dm("my own message", user=BOT_USER_ID, bot_id=BOT_ID),
        mention("my own mention", user=BOT_USER_ID),
        dm("changed", subtype="message_changed"),
        event_body({"type": "message", "channel_type": "channel", "user": "U0USER", "text": "chatter",
                    "ts": new_ts(), "channel": "C0CHAN"}),
    ]
    for payload in ignored:
        assert http_slack.send(payload).status == 200
    http_slack.send(dm("What did Borrell say about China?"))  # a real one, to know the others were processed
    http_slack.answer_to(http_slack.placeholder_ts())
    http_slack.api.quiet()
    assert len(http_slack.api.calls("chat.postMessage")) == 1
    assert http_slack.engine.calls == ["What did Borrell say about China?"]


def test_empty_and_file_only_mentions_get_the_usage_hint(http_slack):
    http_slack.send(mention(""))
    http_slack.send(mention("", files=[{"id": "F0001", "name": "report.pdf", "mimetype": "application/pdf"}]))
    hints = http_slack.api.wait_calls("chat.postMessage", 2)
    assert all(h.body["text"] == phrase("usage", "en") for h in hints)
    http_slack.api.quiet()
    assert not http_slack.api.calls("chat.update") and http_slack.engine.calls == []


def test_file_only_dm_gets_the_dm_hint(http_slack):
    http_slack.send(dm("", subtype="file_share", files=[{"id": "F0001", "name": "scan.png"}]))
    hint = http_slack.api.wait_calls("chat.postMessage")[0]
    assert hint.body["text"] == phrase("empty_question", "en") and hint.body["channel"] == "D0DM"
    http_slack.api.quiet()
    assert http_slack.engine.calls == []


@pytest.mark.slow  # its own HttpSlack: a server
def test_busy_workers_show_the_place_in_line(tmp_path):
    harness = HttpSlack(tmp_path, FakeEngine(delay_s=0.5), BRIEFBOT_MAX_CONCURRENT="1")
    try:
        harness.send(mention("What did Borrell say about China?"))
        harness.placeholder_ts(0)
        harness.send(mention("What did Guterres say about multilateralism?"))
        second = harness.api.wait_calls("chat.postMessage", 2)[1]
        assert second.body["text"] == phrase("queued", "en", position=1)
        harness.answer_to(harness.placeholder_ts(1))  # still answered, once a worker is free
    finally:
        harness.close()


def test_pings_in_answers_and_quotes_are_escaped(http_slack):
    http_slack.bot.engine = FakeEngine("Attention <!channel> and <@U123>: Q&A <!here|here>")
    http_slack.retriever.sources = [Source(SOURCE.article, "Title <!everyone>", 4, "Quote <@U777>", 0.9)]
    http_slack.send(mention("What did Borrell say about China?"))
    final = http_slack.answer_to(http_slack.placeholder_ts())
    assert "&lt;!channel&gt;" in final["text"] and "&lt;@U123&gt;" in final["text"] and "Q&amp;A" in final["text"]
    raw = json.dumps([c.body for c in http_slack.api.calls()])
    for ping in ("<!channel>", "<@U123>", "<!here", "<!everyone>", "<@U777>"):
        assert ping not in raw


def test_rate_limited_update_is_retried_after_retry_after(http_slack):
    http_slack.api.fail_once("chat.update", 429, retry_after=1)
    http_slack.send(mention("What did Borrell say about China?"))
    final = http_slack.answer_to(http_slack.placeholder_ts())
    assert "Echo: What did Borrell say" in sections(final["blocks"])
    updates = http_slack.api.calls("chat.update")
    assert [u.status for u in updates] == [429, 200]  # a retry before Retry-After would get another 429


def test_streamed_deltas_are_throttled_to_one_update_a_second(http_slack):
    http_slack.bot.engine = FakeEngine("Borrell said multilateralism matters.", deltas=["Borrell ", "said ", "…"])
    http_slack.send(mention("What did Borrell say about China?"))
    http_slack.answer_to(http_slack.placeholder_ts())
    updates = http_slack.api.calls("chat.update")
    assert len(updates) == 2 and updates[0].body["text"].startswith("Borrell")  # one progress edit, then the answer
    listeners = http_slack.web.state.bolt.briefbot_listeners
    assert listeners.flow.transport.edit_interval_s == 1.0  # Slack's pace; the flow's rule: test_flow_throttle.py


def test_engine_failure_turns_the_placeholder_into_an_apology(http_slack, caplog):
    http_slack.bot.engine = FakeEngine(error=RuntimeError("engine exploded"))
    with caplog.at_level(logging.INFO):
        http_slack.send(mention("Wat zei Borrell over China en de EU?"))
        update = http_slack.api.wait_calls("chat.update")[0]
    assert update.body["text"] == phrase("apology", "nl")
    assert "engine exploded" not in json.dumps(update.body)  # the trace goes to the log only
    logged = [r for r in caplog.records if r.name == "briefbot.flow" and r.exc_info]
    assert logged and "engine exploded" in str(logged[0].exc_info[1])
    assert "Borrell" not in caplog.text  # no message bodies in the log
    assert BOT_TOKEN not in caplog.text and SECRET not in caplog.text  # nor tokens


def test_over_long_question_gets_a_clear_message(http_slack):
    payload = mention("What did Borrell say? " + "really " * 200)
    http_slack.send(payload)
    notice = http_slack.api.wait_calls("chat.postMessage")[0]  # no placeholder for a question that can't be asked
    assert "characters long" in notice.body["text"] and notice.body["thread_ts"] == payload["event"]["ts"]
    http_slack.api.quiet()
    assert http_slack.engine.calls == [] and not http_slack.api.calls("chat.update")


def test_bad_signature_and_stale_timestamp_are_rejected(http_slack, caplog):
    with caplog.at_level(logging.INFO):
        bad = http_slack.send(mention("secret question one"), secret="not-the-secret")
        stale = http_slack.send(mention("secret question two"), age_s=301)
    assert bad.status == 401 and stale.status == 401
    http_slack.api.quiet(0.3)
    assert not http_slack.api.calls("chat.postMessage") and http_slack.engine.calls == []
    assert "secret question" not in caplog.text and "rejected a Slack request" in caplog.text


def test_feedback_click_is_recorded_and_buttons_become_a_thank_you(http_slack):
    http_slack.send(mention("What did Borrell say about China?"))
    placeholder_ts = http_slack.placeholder_ts()
    final = http_slack.answer_to(placeholder_ts)
    answer_id = answer_id_of(final["blocks"])
    message = {"ts": placeholder_ts, "text": final["text"], "blocks": final["blocks"]}
    payload = feedback_click(message, "C0CHAN", "up", answer_id)
    reply = http_slack.send(payload, form=True)
    assert reply.status == 200
    thanks = wait_for(lambda: [c for c in http_slack.api.calls("chat.update") if c.body.get("ts") == placeholder_ts
                               and not any(b["type"] in ("actions", "context_actions") for b in c.body["blocks"])],
                      what="thank-you")
    assert "Thanks for the feedback!" in json.dumps(thanks[0].body["blocks"], ensure_ascii=False)
    assert sections(thanks[0].body["blocks"]) == sections(final["blocks"])  # the answer itself is kept
    (fb,) = http_slack.store.feedback()
    assert (fb.answer_id, fb.vote, fb.user, fb.platform) == (answer_id, "up", "U0USER", "slack")
    assert fb.question == "What did Borrell say about China?" and fb.sources


def test_a_failed_placeholder_still_gets_the_answer_posted(http_slack):
    """The event is already acked, so Slack won't retry: the answer is posted as a new message instead."""
    http_slack.api.fail_once("chat.postMessage", status=500)
    payload = mention("What did Borrell say about China?")
    assert http_slack.send(payload).status == 200
    posts = http_slack.api.wait_calls("chat.postMessage", 2)
    assert posts[0].status == 500
    answer = posts[1].body
    assert answer["thread_ts"] == payload["event"]["ts"] and "Echo: What did Borrell say" in answer["text"]
    assert any(b.get("type") in ("actions", "context_actions") for b in answer["blocks"])


def test_a_thumbs_down_asks_for_a_reason_in_a_modal_and_stores_it(http_slack):
    http_slack.send(mention("Wat zei Borrell over China?"))
    placeholder_ts = http_slack.placeholder_ts()
    final = http_slack.answer_to(placeholder_ts)
    answer_id = answer_id_of(final["blocks"])
    message = {"ts": placeholder_ts, "text": final["text"], "blocks": final["blocks"]}
    click = feedback_click(message, "C0CHAN", "down", answer_id)
    assert http_slack.send(click, form=True).status == 200
    opened = http_slack.api.wait_calls("views.open")[0].body
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert opened["trigger_id"] == "1.2.3" and view["type"] == "modal"
    assert view["title"]["text"] == "Wat klopte er niet?"  # in the answer's language
    (vote,) = http_slack.store.feedback()
    assert (vote.vote, vote.reason) == ("down", "")  # the vote counts even if the modal is closed
    submission = {
        "type": "view_submission", "team": {"id": TEAM_ID}, "user": {"id": "U0USER"}, "api_app_id": "A0001",
        "token": "legacy", "trigger_id": "4.5.6",
        "view": {**view, "id": "V1", "state": {"values": {"reason": {"reason_input": {
            "type": "plain_text_input", "value": "Het citaat ging over iets anders."}}}}},
    }
    assert http_slack.send(submission, form=True).status == 200
    wait_for(lambda: http_slack.store.feedback()[0].reason == "Het citaat ging over iets anders.", 5, "the reason")


def test_an_ungrounded_answer_says_so_under_it_in_the_askers_language(http_slack):
    http_slack.bot.engine = FakeEngine("Dat staat niet in het artikel.", grounded=False)
    http_slack.send(mention("Hoeveel NAVO-troepen zijn er in Polen?"))
    final = http_slack.answer_to(http_slack.placeholder_ts())
    [line] = [b for b in final["blocks"] if b.get("block_id") == "briefbot_confidence"]
    assert line["type"] == "context" and line["elements"][0]["text"].startswith("⚠️ Niet onderbouwd")
    http_slack.bot.engine = FakeEngine()  # grounded, on a passage scored 0.9: nothing to say
    http_slack.send(mention("What did Borrell say about China?"))
    final = http_slack.answer_to(http_slack.placeholder_ts(1))
    assert not any(b.get("block_id") == "briefbot_confidence" for b in final["blocks"])


def test_a_click_on_the_old_hand_made_buttons_still_counts(http_slack):
    """Answers posted before Slack's feedback_buttons carry 👍/👎 buttons with the answer id as the value."""
    http_slack.send(mention("What did Borrell say about China?"))
    placeholder_ts = http_slack.placeholder_ts()
    final = http_slack.answer_to(placeholder_ts)
    message = {"ts": placeholder_ts, "text": final["text"], "blocks": final["blocks"]}
    http_slack.send(block_action(message, "C0CHAN", "briefbot_feedback_up", answer_id_of(final["blocks"])), form=True)
    (fb,) = wait_for(lambda: http_slack.store.feedback(), 5, "the vote")
    assert fb.vote == "up" and fb.answer_id == answer_id_of(final["blocks"])

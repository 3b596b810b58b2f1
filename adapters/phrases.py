"""Platform phrases: what only an adapter says (Discord's command help, vote labels…), in en and nl.

The core's phrases stay in bot/language/phrases.py; these are registered there on import of the `adapters` package, so
`bot.language.phrases.phrase(key, language)` finds both and the core never holds a platform's words.
"""
from __future__ import annotations

from bot.language.phrases import register

PLATFORM_PHRASES: dict[str, dict[str, str]] = {
    "discord_rate_limited": {
        "en": "Discord is asking me to slow down; please try again in {seconds:.0f} s.",
        "nl": "Discord vraagt me het rustiger aan te doen; probeer het over {seconds:.0f} s nog eens.",
    },
    "discord_feedback_unknown": {
        "en": "I no longer have that answer, so I couldn't record your vote.",
        "nl": "Dat antwoord heb ik niet meer, dus ik kon je stem niet bewaren.",
    },
    "discord_feedback_up": {"en": "Helpful", "nl": "Nuttig"},
    "discord_feedback_down": {"en": "Not helpful", "nl": "Niet nuttig"},
    "discord_command_outdated": {
        "en": "That command doesn't match this version of briefbot; ask an admin to run `briefbot discord sync`.",
        "nl": (
            "Dat commando past niet bij deze versie van briefbot; vraag een beheerder `briefbot discord sync` te "
            "draaien."
        ),
    },
    "discord_sources_for": {
        "en": "The passages behind the answer to “{question}”:",
        "nl": "De passages achter het antwoord op „{question}”:",
    },
    "discord_more_sources": {
        "en": "{count} more: use /sources to see every passage.",
        "nl": "Nog {count}: gebruik /sources om alle passages te zien.",
    },
    "discord_no_sources": {
        "en": "The last answer here didn't rest on any passage from the articles.",
        "nl": "Het laatste antwoord hier steunde op geen enkele passage uit de artikelen.",
    },
    "discord_about_title": {"en": "What I know", "nl": "Wat ik weet"},
    "discord_about_intro": {
        "en": "I answer questions about these {count} news articles and cite the paragraphs I used:",
        "nl": "Ik beantwoord vragen over deze {count} nieuwsartikelen en noem de alinea's die ik gebruikte:",
    },
    "discord_about_intro_one": {
        "en": "I answer questions about this news article and cite the paragraphs I used:",
        "nl": "Ik beantwoord vragen over dit nieuwsartikel en noem de alinea's die ik gebruikte:",
    },
    "discord_about_empty": {
        "en": "No articles have been loaded yet, so there is nothing I can answer about.",
        "nl": "Er zijn nog geen artikelen geladen, dus ik kan nog nergens over antwoorden.",
    },
    "discord_about_howto_title": {"en": "How to ask", "nl": "Zo vraag je het"},
    "discord_about_howto": {
        "en": (
            "`/ask question:…` ask a question (add `private:True` to see the answer on your own)\n"
            "`@briefbot …` ask in a message; I reply to it\n"
            "`/sources` the full passages behind the last answer here\n"
            "`/reset` forget this channel's conversation\n"
            "I answer in the language you ask in (English or Dutch)."
        ),
        "nl": (
            "`/ask question:…` stel een vraag (met `private:True` zie alleen jij het antwoord)\n"
            "`@briefbot …` vraag het in een bericht; ik antwoord daarop\n"
            "`/sources` de volledige passages achter het laatste antwoord hier\n"
            "`/reset` vergeet het gesprek in dit kanaal\n"
            "Ik antwoord in de taal waarin je vraagt (Nederlands of Engels)."
        ),
    },
    "feedback_reason_title": {"en": "What was wrong?", "nl": "Wat klopte er niet?"},
    "feedback_reason_label": {
        "en": "One line on what was wrong (optional)",
        "nl": "Eén regel over wat er niet klopte (optioneel)",
    },
    "feedback_reason_submit": {"en": "Send", "nl": "Versturen"},
    "feedback_reason_thanks": {
        "en": "Thanks, noted. That helps fix the gap.",
        "nl": "Bedankt, genoteerd. Dat helpt het gat te dichten.",
    },
    # Suggested questions (adapters/suggestions.py): /ask's autocomplete, Slack's assistant prompts.
    "suggest_about": {"en": "What does the article “{title}” say?", "nl": "Wat staat er in het artikel „{title}”?"},
    "suggest_prompts_title": {"en": "Ask about the news articles", "nl": "Vraag iets over de nieuwsartikelen"},
    # Forum posts (adapters/discord_forum.py): the "Mark solved" button and what it says.
    "forum_solved_button": {"en": "Mark solved", "nl": "Markeer als opgelost"},
    "forum_solved": {"en": "✅ Marked as solved.", "nl": "✅ Gemarkeerd als opgelost."},
    "forum_solved_not_yours": {
        "en": "Only the post's author (or a moderator) can mark it solved.",
        "nl": "Alleen wie de post opende (of een moderator) kan hem als opgelost markeren.",
    },
    "forum_no_solved_tag": {
        "en": "This forum has no “{tag}” tag; ask a moderator to add one.",
        "nl": "Dit forum heeft geen tag „{tag}”; vraag een moderator er een toe te voegen.",
    },
    "forum_solved_failed": {
        "en": "I couldn't tag the post (I need the Manage Threads permission here).",
        "nl": "Ik kon de post niet taggen (ik heb hier de permissie Threads beheren nodig).",
    },
    # Slack's loading status while an answer is computed (adapters/slack_native.py): "briefbot is looking…".
    "slack_status": {"en": "is looking through the articles…", "nl": "zoekt in de artikelen…"},
    "slack_status_reading": {"en": "is reading the passages…", "nl": "leest de passages…"},
    # How sure an answer is (adapters/chat_markdown.py's confidence), under it on Slack.
    "confidence_ungrounded": {
        "en": "Not supported by the articles: treat this as unconfirmed.",
        "nl": "Niet onderbouwd door de artikelen: beschouw dit als onbevestigd.",
    },
    "confidence_weak": {
        "en": "Weakly supported: the passage it rests on is only loosely related to the question; check the source.",
        "nl": "Zwak onderbouwd: de passage waarop het steunt sluit maar losjes aan bij de vraag; controleer de bron.",
    },
    # The hand-off to a person (adapters/handoff.py): the button, the case posted to the team, what the asker sees.
    "handoff_button": {"en": "Still need help?", "nl": "Nog hulp nodig?"},
    "handoff_case": {
        "en": "{user} still needs help with an answer from briefbot.",
        "nl": "{user} heeft nog hulp nodig bij een antwoord van briefbot.",
    },
    "handoff_question": {"en": "Question", "nl": "Vraag"},
    "handoff_answer": {"en": "briefbot's answer", "nl": "Antwoord van briefbot"},
    "handoff_ungrounded": {
        "en": "(not supported by the articles)",
        "nl": "(niet onderbouwd door de artikelen)",
    },
    "handoff_open": {"en": "Open the conversation", "nl": "Open het gesprek"},
    "handoff_team": {"en": "the team", "nl": "het team"},
    "handoff_done": {
        "en": "🙋 {presser} asked for a person: {who} {where}has been called in and will follow up here.",
        "nl": "🙋 {presser} vroeg om een mens: {who} {where}is erbij gehaald en reageert hier.",
    },
    "handoff_where": {"en": "in {channel} ", "nl": "in {channel} "},
    "handoff_already": {
        "en": "Someone has already been called in for this answer.",
        "nl": "Voor dit antwoord is al iemand erbij gehaald.",
    },
    "handoff_unknown": {
        "en": "I no longer have that answer; ask again and press the button under the new one.",
        "nl": "Dat antwoord heb ik niet meer; stel de vraag opnieuw en druk op de knop onder het nieuwe antwoord.",
    },
    "handoff_failed": {
        "en": "I couldn't reach the team just now; please press the button again in a minute.",
        "nl": "Ik kon het team nu niet bereiken; druk over een minuut nog eens op de knop.",
    },
}

register(PLATFORM_PHRASES)

"""How English and Dutch questions say what they ask for: general question grammar as data, one row per cue.

Each table row is (what, pattern). The patterns follow English and Dutch question syntax (wh-words, auxiliaries,
measure phrases); none names anything an article is about. tests/test_cues.py has one case per row.
"""
from __future__ import annotations

import re

from .words import NAME_PARTICLES

_I = re.I

# "What is this about?" in any of its usual forms: the article as a whole, not a fact in it.
OVERVIEW = re.compile(
    r"^\s*(what|wat)('s| is| was)? (this|the|that|dit|het|dat)?\s*(article|story|piece|text|artikel|stuk|verhaal|tekst)"
    r"\b.{0,80}\babout\b|"
    r"^\s*what('s| is| was) (this|the|that) ([\w-]+\s+){1,4}?(article|story|piece|text)\b.{0,40}\babout\b|"
    r"^\s*what('s| is) (this|it) (all )?about\b|"
    r"\bwhat (is|are|was) (this|the|these) (articles?|stor(y|ies)|pieces?|texts?)\b.{0,80}\babout\b|"
    r"\bwhat (is|are) (the )?(main|key|central) (points?|ideas?|message|takeaways?)\b|"
    r"\b(summari[sz]e|summary|sum up|gist|tl;?dr|overview|in a nutshell|main points?)\b|"
    r"\bwaar (gaat|gaan|ging) (het|dit|dat|de|deze)\b.{0,80}\bover\b|"
    r"\b(vat|vatten)\b.{0,60}\bsamen\b|\bsamenvatting\b|\b(kern|hoofdpunten|hoofdlijnen|strekking)\b|"
    r"\bwaarover (gaat|gaan|ging)\b|\bwhat do (the|these) articles? (say|cover)\b|"
    r"\bwhich (articles|topics)\b|\bwelke (artikelen|onderwerpen)\b",
    _I,
)

# What kind of item answers the question. The first matching row wins, so the narrow rows come first.
KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("money", re.compile(r"\bhow much\b.{0,60}\b(cost|costs|costed|pay|paid|spend|spent|worth|charge|earn|earned|"
                         r"raise|raised|money|budget|price)\b|\b(what|which) (was |is )?the (price|cost|fee|fine)\b|"
                         r"\bhoeveel\b.{0,60}\b(kost|kostte|kosten|gekost|betaal\w*|verdien\w*|geld|prijs|bedrag|"
                         r"budget)\b|\bwat (kost|kostte|kosten)\b|\bhoeveel (geld|euro|dollar)\b", _I)),
    ("age", re.compile(r"\bhow old\b|\bhoe oud\b|\bwhat age\b|\bop welke leeftijd\b|\bat what age\b", _I)),
    ("distance", re.compile(r"\bhow far\b|\bhoe ver\b|\bwhat distance\b", _I)),
    ("percent", re.compile(r"\bwhat (share|percentage|proportion|portion|fraction|part)\b|\bhow much of\b|"
                           r"\bwelk (deel|percentage|aandeel)\b|\bhoeveel procent\b|\bhow many percent\b|"
                           r"\bwelke? (fractie|proportie)\b|\bmet hoeveel procent\b", _I)),
    ("duration", re.compile(r"\bhow long\b(?! (is|was) (the )?[A-Z])|\bhoe lang\b(?! (is|was|zijn) [A-Z])|"
                            r"\bfor how many (days|weeks|months|years)\b", _I)),
    ("length", re.compile(r"\b(?i:how (tall|high))\b|\b(?i:how long (is|was)) [A-Z][\w ]*\??$|"
                          r"\b(?i:hoe (groot|lang) (is|was)) [A-Z][\w ]*\??$")),
    ("number", re.compile(r"\bhow (many|much)\b|\bhoeveel\b|\bwhat (number|amount)\b|\bhoe vaak\b|\bhow often\b|"
                          r"\bby how much\b|\bwelk aantal\b", _I)),
    ("time", re.compile(r"^\s*(\w+ )?(when|wanneer)\b|\b(what|which) (time|day|date|year|month|decade|century)\b|"
                        r"\bin (what|which) (year|month)\b|\bhoe laat\b|\b(welke?|op welke) (dag|datum|maand|tijd)\b|"
                        r"\bwelk (jaar|tijdstip)\b|\bin welk jaar\b|\bsince when\b|\bsinds wanneer\b|"
                        r"\btot wanneer\b|\buntil when\b", _I)),
    ("reason", re.compile(r"^\s*(\w+ )?(why|waarom)\b|\bhow come\b|\bfor what reason\b|\bom welke reden\b|"
                          r"\b(what|which) (is|are|was|were) the (main )?reasons?\b|\bwat (is|was) de reden\b|"
                          r"\bwhat (caused|causes|led to)\b|\bwat (veroorzaakte|leidde tot)\b", _I)),
    ("quote", re.compile(r"\b(what|how) (did|does|do|has|have|had|would|will) .{0,80}\b(say|said|write|wrote|tell|"
                         r"told|call|describe|answer|reply|respond|state|declare|warn|argue|claim)\b|"
                         r"\bwat (zei|zegt|zeiden|zeggen|schreef|schrijft|vertelde|vertelt|verklaarde|antwoordde|"
                         r"vindt|vond|vinden|vonden|zou)\b|"
                         r"\bhoe (noemt|noemen|noemde|omschrijft|omschreef|beschrijft|beschreef)\b", _I)),
    ("place", re.compile(r"^\s*(\w+ )?(where|waar)\b(?!om|door|mee|van|voor|over|in het artikel)|"
                         r"\b(which|what) (\w+ )?(country|countries|city|cities|place|places|town|towns|region|"
                         r"regions|location|venue|state|province|continent|municipality|municipalities)\b|"
                         r"\bwelke? (\w+ )?(land|landen|stad|steden|plaats|plaatsen|dorp|regio|streek|locatie|"
                         r"provincie|staat|werelddeel|gemeente|gemeenten)\b|\bin welk land\b|\bfrom where\b|"
                         r"\bwaarvandaan\b", _I)),
    ("person", re.compile(r"^\s*(\w+ )?(who|whom|wie)\b|\bby whom\b|\bdoor wie\b|\bmet wie\b|\btegen wie\b|"
                          r"\bvan wie\b|\bwith whom\b|\bagainst whom\b", _I)),
]

# "What role does Guterres hold?", "Wat is zijn functie?": the post or occupation of someone the question names.
ROLE = re.compile(r"\b(what|which) (is |was )?(\w+'s |his |her |their )?(role|job|position|function|post|occupation|"
                  r"profession|title)\b|\bwhat does .{1,40} do( for a living)?\??$|"
                  r"\b(welke|wat is|wat was) (de |het |zijn |haar |hun )?"
                  r"(rol|functie|baan|positie|beroep|ambt|titel)\b|"
                  r"\bwat doet .{1,40}\??$", _I)

# "What does the article say…", "Hoe omschrijft het artikel…": the article speaks, not a person in it.
ARTICLE_SPEAKS = re.compile(r"\b(the|this|het|dit) (article|story|report|text|artikel|stuk|verhaal|bericht)\b", _I)

# "Who is Guterres?", "Wat is multilateralisme?": a description of something the question names.
_PARTICLE = "|".join(sorted(w for w in NAME_PARTICLES if w not in ("of", "the")))  # "Ursula von der Leyen"
DESCRIBE = re.compile(r"^\s*(?i:who|wie) (?i:is|are|was|were|zijn|waren) "
                      rf"[A-ZÀ-Þ][\w'’-]*( (?:(?:{_PARTICLE}) ){{0,2}}[A-ZÀ-Þ][\w'’-]*){{0,3}}\s*\??\s*$|"
                      r"^\s*(?i:what|wat) (?i:is|are|was|were|zijn|waren) (?!(?i:the|de|het|een|a|an|there|er) )"
                      r"[\w'’-]+( [\w'’-]+){0,2}\s*\??\s*$")

# "Do China and Russia want…?", "Heeft Rusland…?": answered yes or no by a passage that says it.
YES_NO = re.compile(r"^\s*(do|does|did|is|are|was|were|can|could|will|would|has|have|had|should|may|might|"
                    r"heeft|hebben|had|hadden|is|zijn|was|waren|kan|kon|kunnen|wil|wilde|willen|zal|zou|zullen|"
                    r"moet|moeten|mag|wordt|werd|worden|gaat|gaan|vindt|vinden|doet|deed)\b", _I)

# "Which X" / "welke X" / "how many X": the cue before the noun the question asks about.
WHICH = re.compile(r"\b(which|what|welke|welk|wat voor( een)?)\s+(?=[\w'’-])", _I)
# Verbs that make a "how much" question ask for money ("Hoeveel verdiende ze?"): what is paid, not what is counted.
MONEY_VERB = re.compile(r"(cost|costs|costed|pay|paid|spend|spent|charge|earn|earned|raise|raised|kost|kostte|"
                        r"kosten|gekost|betaal\w*|verdien\w*)", _I)
HOW_MANY = re.compile(r"\b(how (many|much)|hoeveel|welk aantal|what number of|the number of|het aantal)\s+", _I)

# Words that say the question carries on the conversation ("and…", "what about…").
LEADS_ON = re.compile(r"^\s*(and|but|so|also|then|what about|how about|en|maar|dus|ook|wat dan|en hoe|of)\b", _I)
POINTS_BACK = re.compile(r"\b(that|this|those|these|it|its|he|she|they|him|her|them|his|their|there|then|"
                         r"dat|dit|die|deze|daar\w*|hij|zij|ze|hem|haar|hun|zijn|toen|erover|hierover|er)\b", _I)
PRONOUNS_PERSON = re.compile(r"\b(he|she|him|her|his|hij|zij|ze|hem|haar)\b", _I)
PRONOUNS_PLURAL = re.compile(r"\b(they|them|their|zij|ze|hun|hen)\b", _I)
PRONOUNS_THING = re.compile(r"\b(it|its|this|that|het|dit|dat|daar\w*|er\w*)\b", _I)
PRONOUNS_PLACE = re.compile(r"\b(there|daar|aldaar)\b", _I)


def kind_of(question: str) -> str | None:
    """The kind of item a question asks for (money, age, time, place, person, reason, quote …), or None."""
    if OVERVIEW.search(question):
        return "overview"
    if ROLE.search(question):
        return "role"
    if DESCRIBE.match(question):
        return "describe"
    for name, pattern in KINDS:
        if pattern.search(question):
            return name
    if YES_NO.match(question):
        return "yesno"
    return None

"""Word lists for English and Dutch questions about news: stopwords, answer types, and place names.

General-purpose lists (not tuned to any question): the extractive engine uses them to match names
across the two languages (Moscow ~ Moskou) and to check that an answer holds the kind of thing asked for.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

STOP = frozenset(
    # English
    "a an the is are was were be been being am of to in on at by for with from about into over after before "
    "and or but not no nor so than then that this these those it its it's he she they them his her their "
    "we us our you your i me my what which who whom whose when where why how do does did done doing has have "
    "had having can could would should will shall may might must there here also any some many much more most "
    "very just only according say says said tell told article news mention mentioned write wrote written "
    "happen happened s t ll re ve d as if while during per via vs get got make made let lets please whats "
    "under today now against within without among through up down out off again still yet ever "
    # Dutch
    "de het een en of maar niet geen wel is zijn was waren ben bent wordt worden werd werden van naar in op "
    "aan bij met voor door over uit om tot tegen tussen na onder zonder sinds als dan dat dit die deze wat "
    "wie welk welke wanneer waar waarom hoe hoeveel hij zij ze haar hun hem men je jij jullie wij we ons onze "
    "mijn ik u er hier daar ook nog al heeft hebben had hadden kan kon kunnen zou zouden zal zullen wil willen "
    "wilde moet moeten mag mogen volgens zegt zei zeggen zeiden vertel artikel staat stond gebeurde zich "
    "eens toch dus want omdat terwijl doen doet deed gaan gaat ging komen komt kwam maken maakt nu vandaag "
    "daarover hierover erover".split()
)

QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how wat welk welke wie wanneer waar waarom hoe hoeveel".split()
)

_ANSWER_TYPES: list[tuple[str, re.Pattern[str]]] = [
    ("number", re.compile(
        r"\b(how (many|much|long|old)|hoeveel|hoe (lang|oud)|what (number|percentage|share))\b", re.I)),
    ("time", re.compile(
        r"^\s*(\w+ )?(when|wanneer)\b|\b(what (time|day|date|year)|which (day|date|year)|hoe laat|welke (dag|datum)|"
        r"in (what|which) year|in welk jaar|op welke dag|since when|sinds wanneer|tot wanneer)\b", re.I)),
    ("place", re.compile(
        r"\b(which|what) (\w+ )?(country|countries|city|cities|place)\b|\bwelke? (\w+ )?(land|landen|stad|steden|plaats)\b|"
        r"^\s*(where|waar)\b(?!om)|\bwhere (did|does|do|is|are|was|were|will)\b", re.I)),
    ("organisation", re.compile(
        r"\b(which|what) (\w+ ){0,2}(court|organi[sz]ation|institution|party|company|body|agency)\b|"
        r"\bwelke? (\w+ ){0,2}(rechtbank|hof|organisatie|instelling|partij|bedrijf|instantie)\b", re.I)),
    ("person", re.compile(
        r"^\s*(who|whom|wie)\b|\b(which|what) (\w+ ){0,2}(leader|politician|president|minister|person|official|"
        r"analyst|expert|journalist|man|woman)\b|"
        r"\bwelke? (\w+ ){0,2}(leider|politicus|president|minister|persoon|functionaris|analist|deskundige|"
        r"journalist|man|vrouw)\b", re.I)),
]


REASON = re.compile(
    r"\b(omdat|doordat|want|vanwege|wegens|daardoor|daarom|because|due to|owing to|as a result|since)\b|"
    r"^[„“]?(met|door|by|with) (de|het|the) \w+",
    re.I,
)
ASKS_WORDS = re.compile(
    r"\b(what|how) (did|does|do|has|have|had) .{0,60}\b(say|said|write|wrote|tell|told|call|describe)\b|"
    r"\bwat (zei|zegt|zeiden|schreef|schrijft|vertelde|vindt|vond)\b|\bhoe (noemt|noemen|noemde|omschrijft)\b|"
    r"\b(who|wie) (said|says|wrote|writes|zei|zegt|schreef|schrijft)\b",
    re.I,
)
ASKS_REASON = re.compile(r"^\s*(why|waarom)\b|\b(what|which) (is|are|was|were) the reasons?\b", re.I)


_DESCRIBE = re.compile(r"^\s*(?i:who|wie) (?i:is|was|are|were|zijn|waren) (?!the |de |het |een |a |an )[A-ZÀ-Þ]")


def answer_type(question: str) -> str | None:
    """The kind of thing a question asks for, when it asks for a number, time, place, person or organisation."""
    if _DESCRIBE.match(question):  # "Who is Guterres?" wants a description, not another name
        return None
    for name, pattern in _ANSWER_TYPES:
        if pattern.search(question):
            return name
    return None


# Places and organisations: entries split by "|", the names of one entry (English first) by ",".
_PLACES = """
Afghanistan | Albania, Albanië | Algeria, Algerije | Andorra | Angola | Argentina, Argentinië | Armenia, Armenië
Australia, Australië | Austria, Oostenrijk | Azerbaijan, Azerbeidzjan | Bahrain, Bahrein | Bangladesh
Belarus, Wit-Rusland | Belgium, België | Bolivia | Bosnia, Bosnië | Brazil, Brazilië | Bulgaria, Bulgarije
Cambodia, Cambodja | Cameroon, Kameroen | Canada | Chile, Chili | China | Colombia | Congo | Croatia, Kroatië
Cuba | Cyprus | Czechia, Tsjechië | Denmark, Denemarken | Egypt, Egypte | Estonia, Estland | Ethiopia, Ethiopië
Finland | France, Frankrijk | Georgia, Georgië | Germany, Duitsland | Ghana | Greece, Griekenland
Hungary, Hongarije | Iceland, IJsland | India | Indonesia, Indonesië | Iran | Iraq, Irak | Ireland, Ierland
Israel, Israël | Italy, Italië | Japan | Jordan, Jordanië | Kazakhstan, Kazachstan | Kenya, Kenia | Kosovo
Kuwait, Koeweit | Latvia, Letland | Lebanon, Libanon | Libya, Libië | Lithuania, Litouwen
Luxembourg, Luxemburg | Malaysia, Maleisië | Mali | Mexico | Moldova, Moldavië | Mongolia, Mongolië
Montenegro | Morocco, Marokko | Myanmar | Nepal | Netherlands, Nederland, Holland | New Zealand, Nieuw-Zeeland
Nigeria | North Korea, Noord-Korea | Norway, Noorwegen | Pakistan | Palestine, Palestina | Peru
Philippines, Filipijnen | Poland, Polen | Portugal | Qatar | Romania, Roemenië | Russia, Rusland
Saudi Arabia, Saoedi-Arabië | Serbia, Servië | Singapore | Slovakia, Slowakije | Slovenia, Slovenië
Somalia, Somalië | South Africa, Zuid-Afrika | South Korea, Zuid-Korea | Spain, Spanje | Sri Lanka
Sudan, Soedan | Sweden, Zweden | Switzerland, Zwitserland | Syria, Syrië | Taiwan | Thailand
Tunisia, Tunesië | Turkey, Turkije | Ukraine, Oekraïne | Uzbekistan, Oezbekistan | Venezuela | Vietnam
Yemen, Jemen | Zimbabwe
United Kingdom, Verenigd Koninkrijk, UK, Britain, Brittannië, Groot-Brittannië
United States, Verenigde Staten, US, USA, VS, America, Amerika
Moscow, Moskou | Beijing, Peking | Brussels, Brussel | The Hague, Den Haag | Kyiv, Kiev, Kyjiv
Warsaw, Warschau | London, Londen | Paris, Parijs | Berlin, Berlijn | Washington | Rome | Vienna, Wenen
Geneva, Genève | Athens, Athene | Lisbon, Lissabon | Copenhagen, Kopenhagen | Prague, Praag | Tokyo
New York | Amsterdam | Rotterdam | Antwerp, Antwerpen | Madrid | Stockholm | Ankara | Istanbul | Jerusalem
Tehran, Teheran | Cairo, Caïro | Taipei | Hong Kong | Shanghai, Sjanghai | Delhi | Minsk | Canberra | Ottawa
Crimea, Krim | Donbas, Donbass | Siberia, Siberië | Kremlin | Europe, Europa | Africa, Afrika | Asia, Azië
Arctic, Noordpool | Antarctica | West, Westen
European Union, EU, Europese Unie | United Nations, UN, VN, Verenigde Naties | NATO, NAVO
International Criminal Court, ICC, Internationaal Strafhof, Strafhof | World Health Organization, WHO
International Monetary Fund, IMF | World Bank, Wereldbank | Security Council, Veiligheidsraad
White House, Witte Huis | G7 | G20 | BRICS | OPEC
"""

# Adjectives and inhabitants of a place, mapped to it (so "Ukrainian children" ~ "Oekraïense kinderen").
_DEMONYMS = """
Russia: Russian Russians Russisch Russische Russen
China: Chinese Chinees Chinezen
Ukraine: Ukrainian Ukrainians Oekraïens Oekraïense Oekraïners
United States: American Americans Amerikaans Amerikaanse Amerikanen
Europe: European Europeans Europees Europese
Netherlands: Dutch Nederlands Nederlandse Nederlanders
Poland: Polish Pools Poolse
Germany: German Germans Duits Duitse Duitsers
France: French Frans Franse Fransen
United Kingdom: British Brits Britse Britten
Belgium: Belgian Belgisch Belgische Belgen
Japan: Japanese Japans Japanse
India: Indian Indiaas Indiase
Brussels: Brusselse
West: Western Westers Westerse
"""


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Lower case without accents: Oekraïne -> oekraine."""
    nfkd = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in nfkd if not unicodedata.combining(c))


def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """(single-word name -> key, multi-word name -> key); the key is the folded English name."""
    words: dict[str, str] = {}
    phrases: dict[str, str] = {}
    for line in _PLACES.strip().splitlines():
        for entry in line.split("|"):
            names = [n.strip() for n in entry.split(",") if n.strip()]
            if not names:
                continue
            key = fold(names[0])
            for n in names:
                (phrases if " " in n else words)[fold(n)] = key
    for line in _DEMONYMS.strip().splitlines():
        place, _, demonyms = line.partition(":")
        for w in demonyms.split():
            words[fold(w)] = fold(place)
    return words, phrases


CANON, PHRASE_CANON = _tables()
ORGANISATIONS = frozenset(
    "european union|united nations|nato|international criminal court|world health organization|"
    "international monetary fund|world bank|security council|white house|kremlin|g7|g20|brics|opec".split("|")
)
_PHRASE_RE = re.compile(r"\b(" + "|".join(re.escape(p) for p in sorted(PHRASE_CANON, key=len, reverse=True)) + r")\b")


def place_key(text: str) -> str | None:
    """The canonical key of a place, organisation or demonym (one word or a known phrase), or None."""
    folded = fold(text)
    return PHRASE_CANON.get(folded) or CANON.get(folded)


def find_places(text: str) -> set[str]:
    """Canonical keys of every place, organisation or demonym named in a text (capitalised words only)."""
    found = {PHRASE_CANON[m.group(1)] for m in _PHRASE_RE.finditer(fold(text))}
    for word in re.findall(r"[\wÀ-ÿ-]+", text):
        if word[:1].isupper():
            key = CANON.get(fold(word))
            if key:
                found.add(key)
    return found


# Words for people by what they do: "a senior EU official" answers "who said …?" as well as a name does.
ROLES = re.compile(
    r"(ambtenaar|ambtenaren|official|officials|woordvoerder|spokes(man|woman|person)|analist|analisten|analyst|"
    r"analysts|kenner|expert|deskundige|minister|president|premier|leider|leiders|leader|leaders|chef|voorzitter|"
    r"chair|diplomaat|diplomat|journalist|secretaris-generaal|secretary-general|ambassadeur|ambassador)\b",
    re.I,
)

# Units that sit next to any number ("in honderd jaar"): no evidence that the number is the one asked for.
UNIT_WORDS = frozenset(
    "year years day days week weeks month months time times percent per jaar jaren dag dagen week weken maand "
    "maanden keer procent uur hour hours".split()
)

NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred "
    "hundreds thousand thousands million millions billion billions dozen dozens half "
    "twee drie vier vijf zes zeven acht negen tien elf twaalf twintig dertig veertig vijftig honderd "
    "honderden duizend duizenden miljoen miljoenen miljard miljarden tientallen dozijn helft".split()
)
_NUMBER = re.compile(r"\b\d[\d.,]*\b")


def numbers_in(text: str) -> list[tuple[int, str]]:
    """Positions (token index) of numbers written in digits or words."""
    tokens = re.findall(r"[\wÀ-ÿ.,-]+", text)
    out = []
    for i, tok in enumerate(tokens):
        bare = tok.strip(".,")
        if _NUMBER.fullmatch(bare) or fold(bare) in NUMBER_WORDS:
            out.append((i, bare))
    return out


_TIME = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|maandag|dinsdag|woensdag|donderdag|vrijdag|"
    r"zaterdag|zondag|january|february|march|april|may|june|july|august|september|october|november|december|"
    r"januari|februari|maart|mei|juni|juli|augustus|oktober|today|yesterday|tomorrow|tonight|vandaag|"
    r"gisteren|morgen|vanavond|this week|last week|next week|deze week|vorige week|volgende week|"
    r"\d+ (days?|weeks?|months?|years?|dagen|weken|maanden|jaar) (later|earlier|ago|eerder|geleden)|"
    r"(two|three|twee|drie|vier|een paar) (days?|weeks?|dagen|weken) (later|earlier|eerder)|"
    r"(1[89]|20)\d\d|\d{1,2}[:.]\d\d ?(uur|h|am|pm)?|\d{1,2} uur)\b",
    re.I,
)


def has_time(text: str) -> bool:
    return bool(_TIME.search(text))

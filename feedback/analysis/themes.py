"""Filing a message against the theme taxonomy, with the words that did it.

Each theme has cues: short patterns for the words young people in Scotland use about it ("sw", "my carers",
"skint", "the hoose", "cp"). A message gets every theme one of whose cues it contains, and the cue is kept with
the theme, so staff can always see why a message got a theme (and a cue that misleads can be found and mended).
Cues run on normalised text (`normalise`: lower case, text-speak and Scots spellings made uniform).

A strong cue on its own is enough ("social worker" is about workers). A weak cue ("help", "safe") only counts
beside another cue of the same theme or a strong cue elsewhere, and is reported as weak: it is what emerging
themes look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from feedback.analysis.text import normalise

_FAMILY_MEMBER = (
    r"(?:mum|mums|mam|maw|mother|dad|dads|da|father|parents?|step ?(?:mum|dad)|brothers?|sisters?|siblings?"
    r"|wee (?:brother|sister|bro|sis)|bro|sis|gran|granny|grandma|grandad|grandparents?|papa|nana|nan|auntie|aunt"
    r"|uncle|cousins?|family|weans|bairn|baby brother|baby sister)"
)

# slug -> (strong cues, weak cues). Patterns are regular expressions without the surrounding \b.
CUES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "worker-relationships": (
        (
            r"social workers?",
            r"key ?workers?",
            r"support workers?",
            r"throughcare workers?",
            r"aftercare workers?",
            r"youth workers?",
            r"(?:my|our|the|new|a) workers?",
            r"residential staff",
            r"staff (?:at|in) (?:the|my) (?:unit|house|home)",
            r"the staff",
            r"staff here",
            r"workers? (?:keeps?|never|always|changed|changes|left|leaving)",
            r"worker",
            r"sws",
        ),
        (r"staff", r"visits? from", r"call(?:s|ed)? me back", r"text(?:s|ed)? (?:me )?back"),
    ),
    "being-heard": (
        (
            r"listen(?:s|ed|ing)? to (?:me|us|what i)",
            r"(?:actually |finally |never |they |she |he )listened",
            r"(?:lac|cp|core group|looked after|team around the child) (?:reviews?|meetings?)",
            r"reviews?",
            r"(?:nobody|no one|naebody) asks",
            r"they (?:just )?decide",
            r"what i (?:want|wanted|think)",
            r"what (?:they|we) think",
            r"(?:i|we) said (?:no|naw|i wanted|i didn't want)",
            r"wrote (?:in|that|i was|down|doon)",
            r"(?:made up|decided|agreed) (?:the )?\w* ?(?:rules|plan) together",
            r"(?:not|never|nobody|no one|naebody) (?:listens?|listened|listening)",
            r"ask(?:ed|ing)? (?:me|us)(?! for)",
            r"without (?:even )?asking",
            r"(?:have|had|get|got|getting) (?:a|my|no|any) say",
            r"(?:my|a|no|any) say in",
            r"say what i (?:think|thought|want|wanted|feel|felt)",
            r"taken seriously",
            r"looked after review",
            r"(?:my|the|a|at) (?:review|reviews)",
            r"children'?s hearings?",
            r"(?:my|the|a|at) (?:hearing|panel)",
            r"(?:my|the) (?:plan|care plan|child'?s plan|pathway plan)",
            r"decisions? (?:about|on|for) me",
            r"(?:made|make|making|makes) (?:the |a )?decisions?",
            r"meetings? about me",
            r"(?:read|see|seen) (?:the |my )?reports?",
            r"heard",
            r"my views?",
            r"my voice",
        ),
        (r"meetings?", r"decid(?:e|ed|es|ing)", r"opinion", r"point of view"),
    ),
    "advocacy-rights": (
        (
            r"advoca(?:te|tes|cy)",
            r"who ?cares\??",
            r"my rights?",
            r"(?:our|your|young people'?s|children'?s) rights",
            r"rights? to",
            r"complain(?:t|ts|ed|ing)?",
            r"(?:my|own) (?:file|records?|case file)",
            r"the promise",
            r"allowed to",
            r"entitled to",
        ),
        (r"rights?", r"unfair"),
    ),
    "family-contact": (
        (
            rf"(?:my|ma|our|see|seeing|visit|visiting|with|miss|missing) {_FAMILY_MEMBER}",
            _FAMILY_MEMBER + r" (?:visits?|contact|time)",
            r"family time",
            r"contact (?:with|visits?|centre|time)",
            r"(?<!foster )(?<!kinship )(?:mum|mam|maw|dad|da|gran|granny|brothers?|sisters?|family)",
            r"cousins?",
            r"my (?:baby|son|daughter|kids|wean|weans|wee girl|wee boy|bairn)",
            r"at home",
            r"contact arrangements?",
        ),
        (r"home visits?", r"contact"),
    ),
    "home-placement": (
        (
            r"foster (?:home|homes|care|carers?|placement|mum|dad|family|parents?)",
            r"carer",
            r"grounded",
            r"my room",
            r"(?:the |one of the )?staff (?:on|here|at|in|took|said|confiscated|pinned)",
            r"(?:send|sends|sent) me back",
            r"(?:ran|run|running) away",
            r"like it here",
            r"kinship (?:care|carers?)",
            r"(?:my|the|our|new|a) carers?",
            r"carers",
            r"placements?",
            r"residential (?:unit|home|house|care)",
            r"children'?s (?:house|home|unit)",
            r"(?:the|my|this) unit",
            r"secure (?:unit|care)",
            r"house rules",
            r"where i (?:live|stay|am living|am staying)",
            r"(?:moved|moving|move) (?:placements?|house|again|me)",
            r"settled",
            r"foster",
            r"(?:third|fourth|fifth|new|next|last) (?:home|house)",
            r"stay(?:ing)? with my carers",
        ),
        (r"home", r"hoose", r"house", r"bedroom", r"curfew"),
    ),
    "housing": (
        (
            r"(?:my|own|a|new|first|the) (?:flat|tenancy)",
            r"flats?",
            r"tenancy",
            r"hostel",
            r"b ?& ?b|b and b|bed and breakfast",
            r"homeless(?:ness)?",
            r"sofa ?surf(?:ing)?",
            r"temporary accommodation",
            r"accommodation",
            r"housing",
            r"council (?:house|flat)",
            r"(?:the|my) landlord",
            r"rent\b",
            r"repairs?",
            r"damp",
            r"mould",
            r"heating",
            r"(?:my own|own) place",
            r"nowhere to (?:live|stay)",
            r"(?:my|the|our) close|stairwell|freezin\w*|no (?:heating|gas)",
            r"electric (?:is|has) (?:done|run out|ran out)",
            r"(?:leave|left|move out of|moved) (?:my|the) (?:unit|house|home)|(?:where|somewhere) (?:i'll|ill|to) live",
            r"at my door|my (?:own )?home\b|moved (?:house|in)|my address|council tax exemption|mattress",
        ),
        (r"keys?", r"neighbours?"),
    ),
    "leaving-care": (
        (
            r"leav(?:e|ing) care",
            r"left care",
            r"care leavers?'?",
            r"after ?care",
            r"through ?care",
            r"continuing care",
            r"staying put",
            r"pathway plan",
            r"turn(?:ing|ed)? (?:16|18|21|sixteen|eighteen|twenty one)",
            r"when i(?:'m| am) (?:16|18|21)",
            r"independent living",
            r"(?:cook|cooking|budget|budgeting) (?:skills|classes|lessons)",
            r"move on from care",
            r"moving on",
        ),
        (r"independen(?:t|ce)", r"on my own"),
    ),
    "money": (
        (
            r"money",
            r"skint",
            r"brassic",
            r"benefits?",
            r"universal credit",
            r"\buc\b",
            r"bursar(?:y|ies)",
            r"grants?",
            r"bills?",
            r"debt",
            r"(?:afford|pay for|paying for|payment|allowance|pocket money|wages?|cash|funds?|fund)",
            r"food ?bank",
            r"no (?:food|electric|gas|credit)",
            r"(?:gas|electric|electricity) (?:meter|card|key)",
            r"cost of",
            r"£\s?\d+|\d+\s?(?:quid|pounds)",
            r"costs? (?:a fortune|a bomb|loads|too much)|arrears|budget(?:ing)?|council tax|payslips?|starter pack",
            r"sanction\w*|bank account|cut my hours|no (?:smart )?clothes|(?:can't|cant|cannae) pay|paying (?:it|for)",
        ),
        (r"food", r"pay", r"expensive", r"price"),
    ),
    "mental-health": (
        (
            r"anxi(?:ous|ety)",
            r"overwhelmed|can't cope|cannot cope|not coping|struggling|breakdown|meltdown|burnt out",
            r"no motivation|tears|self[- ]?esteem|worthless|hopeless|paranoid|ptsd|adhd|autism|diagnos\\w*",
            r"psychiatrist|psychologist|wellbeing|mindfulness|someone to talk to|talk to someone",
            r"depress(?:ed|ion|ing)",
            r"low mood",
            r"lonely|loneliness|on my own all the time",
            r"(?:can't|cannot|can not) sleep|sleeping|nightmares?",
            r"panic(?: attacks?)?",
            r"stress(?:ed|ful)?",
            r"mental health",
            r"counsell?(?:or|ing|ors)",
            r"therap(?:y|ist)",
            r"camhs",
            r"trauma",
            r"self[- ]?harm",
            r"(?:hurt|harm|cut|cutting) (?:my ?self|myself)",
            r"(?:feel|feeling|felt) (?:sad|down|low|rubbish|awful|empty|worthless|numb|angry|alone|hopeless|scared"
            r"|so bad)",
            r"(?:really |so |pure |dead )?low",
            r"numb",
            r"panick\w*",
            r"(?:bad|dark) place",
            r"(?:head|heads|head's) (?:is |was )?(?:all over|mashed|wrecked|a mess|nippin|loupin)",
            r"breathing space",
            r"calms? me down",
            r"angry all the time",
            r"(?:don't|do not) feel like (?:me|myself)",
            r"bottled it",
            r"overthink\w*",
            r"greetin(?:g)?|crying|cry",
            r"anger",
            r"my feelings",
            r"nobody cares",
            r"live or die",
            r"(?:want|wanted) to die",
            r"kill(?:ing)? myself",
            r"suicid\w*",
            r"end it all",
        ),
        (r"upset", r"sad", r"angry", r"scared", r"mood", r"worried|worries|worry", r"scunnered|gutted"),
    ),
    "physical-health": (
        (
            r"doctors?|\bgp\b|dentist|nurse|hospital|a ?& ?e",
            r"headaches?|migraines?|periods?|toothache|injur\\w*|broke my \\w+|broken (?:arm|leg|wrist|ankle)",
            r"stomach|vaccin\\w*|jabs?|inhaler|epipen|optician|eye test|hearing aid|blood tests?|operation|surgery",
            r"exercise|fitness|eat(?:ing)? (?:properly|healthy|better)",
            r"eczema|acne|rash",
            r"implant|morning after pill|coil|condoms?",
            r"cough\w*|flu|chest infection",
            r"(?:quit|stopped|stop|stopping|quitting) smoking|smoking less",
            r"eating (?:nothing|rubbish|junk|crap)|pot noodles?",
            r"general|hairmyres|monklands|wishaw general",
            r"medical",
            r"health (?:check|visitor|assessment)",
            r"asthma|diabetes|epilep\w*|allerg\w*",
            r"ill|illness|sick|poorly|unwell|pain",
            r"contracepti\w*|the pill|pregnan\w*|sexual health|std|sti",
            r"diet|healthy eating|weight",
            r"glasses|teeth|tooth",
            r"medication|meds|prescription",
            r"stop(?:ping)? smoking",
            r"physio",
        ),
        (r"health", r"fit", r"tired"),
    ),
    "education": (
        (
            r"school|college|uni|university",
            r"teachers?|guidance teacher",
            r"exams?|tests?|prelims?|highers|nat ?5s?|homework",
            r"class(?:es)?",
            r"excluded|exclusion|suspended",
            r"tutor(?:ing)?",
            r"attendance",
            r"course",
            r"studying|study",
            r"(?:english|maths|science|history)",
            r"learning",
            r"qualifications?",
        ),
        (r"learn", r"grades?"),
    ),
    "work-training": (
        (
            r"jobs?",
            r"apprenticeships?",
            r"training",
            r"\bcv\b|cvs",
            r"employ(?:ment|ability|er|ed)",
            r"work experience",
            r"interview",
            r"(?:part[- ]time|full[- ]time) (?:work|job)",
            r"(?:at|to|from|finding|find|looking for|got) work",
            r"wages?",
            r"modern apprenticeship",
            r"volunteer\w*",
            r"payslips?|pay ?slips?|trial shift|paper ?round|cscs|careers? (?:adviser|advisor|advice|fair)",
            r"sacked|jobcentre|job centre|sanction\w*",
            r"(?:barbering|construction|joinery|plumbing|hairdressing|beauty|youth work|catering|childcare|mechanics?"
            r"|brickwork|security|forklift|first aid|employability) course",
            r"(?:want|wanna|going|hope) (?:to be|to become) (?:an? )?(?:electrician|plumber|joiner|mechanic|hairdresser"
            r"|nurse|chef|barber|social worker|teacher|builder|brickie|vet|police officer|paramedic)",
            r"at (?:my|ma) work|my (?:boss|manager)|princes trust|prince's trust",
        ),
        (r"working", r"shifts?"),
    ),
    "activities": (
        (
            r"hobb(?:y|ies)",
            r"drama|theatre|concerts?|gigs?|festival|bowling|ice skating|skate ?park|cycling|horse riding|fishing",
            r"scouts|guides|cadets|duke of edinburgh|dofe",
            r"days? out|day trips?|weekend away|residential trip",
            r"snooker|arcade|xbox|playstation|ps5|fifa|netflix|books?|reading",
            r"summer (?:club|programme|activities|scheme)",
            r"sports?|football|fitba|rugby|netball|boxing|dancing|dance|swimming|swim",
            r"clubs?",
            r"youth (?:group|club|centre)",
            r"gym",
            r"trips?",
            r"holidays?",
            r"leisure card|young scot card",
            r"cinema|film|films|movies?",
            r"activit(?:y|ies)",
            r"things to do|nothing to do",
            r"climbing|camping|outdoor",
            r"music|guitar|drums|art",
            r"gaming|games",
        ),
        (r"fun", r"bored"),
    ),
    "friends-belonging": (
        (
            r"friends?|pals?|mates?",
            r"slagg\w*",
            r"snide",
            r"leav(?:e|es|ing) me out|left me out",
            r"group ?chat",
            r"make fun of|made fun of|making fun of",
            r"laugh(?:s|ed|ing)? at (?:me|my)",
            r"call(?:s|ed|ing)? me (?:names|a \w+)",
            r"from care",
            r"kids say",
            r"fit(?:ting)? in",
            r"stigma",
            r"treat(?:s|ed)? (?:me )?differently",
            r"judged|judge me",
            r"care experienced|in care",
            r"be myself|being myself",
            r"left out|belong",
            r"people (?:think|say|look)",
            r"lonely",
        ),
        (r"people", r"other kids"),
    ),
    "safety": (
        (
            r"bull(?:y|ied|ying)",
            r"call(?:s|ed|ing)? me (?:names|a \w+)",
            r"name[- ]calling",
            r"slagg\w*",
            r"snide",
            r"make fun of|made fun of|making fun of",
            r"laugh(?:s|ed|ing)? at (?:me|my)",
            r"fake account",
            r"privacy settings",
            r"report (?:a worry|it|him|them|someone)",
            r"threw \w+ at",
            r"pinned me",
            r"belt on",
            r"hurt me",
            r"batter\w*",
            r"bruises?",
            r"slapped",
            r"safe online|online safety|keep(?:ing)? (?:us|me) safe",
            r"(?:feel|feels|felt|feeling) safe",
            r"safety",
            r"pushing me (?:about|around)",
            r"taking my (?:dinner )?money",
            r"abus(?:e|ed|ing|ive)",
            r"hit(?:s|ting)? me|hits|batter|punch|beat(?:s|en)? me",
            r"violen(?:t|ce)",
            r"exploit\w*",
            r"groom\w*",
            r"threat(?:s|en|ened|ening)?",
            r"(?:not|never|don't|dont|didn't) (?:feel )?safe",
            r"unsafe",
            r"in danger",
            r"(?:ran|run|running) away|go(?:ing|ne)? missing|went missing",
            r"(?:asking|asked|ask) (?:me )?for (?:pics|pictures|photos|nudes)",
            r"older (?:boy|boys|man|men|guy|guys|lad|lads)",
            r"scared of (?:him|her|them)",
            r"stab\w*|knife",
            r"touch(?:ed|es)? me",
            r"county lines",
        ),
        (r"safe", r"scared", r"feart"),
    ),
    "substance-use": (
        (
            r"drink(?:s|ing)? (?:too much|a lot|again)|drunk|alcohol|bevvy|steaming",
            r"drugs?|weed|cannabis|coke|valium|vallies|pills",
            r"joints?|spliffs?|eccies|mdma|ket|benzos?|heroin|smack|methadone",
            r"buckfast|bucky|vodka|cider|pissed|steamin|blootered|wasted|hungover|hangover",
            r"tobacco|nicotine|alcoholics anonymous|drugs? (?:worker|service)|using again",
            r"smok(?:e|es|ing)|cigs|cigarettes|fags",
            r"vap(?:e|es|ing)",
            r"rehab|addiction|addict",
            r"(?:on|back on|off|hits) the (?:drink|gear|bottle|booze)|dealers?|dealing|sober|drinking|black(?:ed)? out",
            r"(?:clean|sober) (?:for )?(?:\d+|a|two|three|six) (?:weeks?|months?|years?)|used to drink",
        ),
        (r"drinks?", r"high"),
    ),
    "transport": (
        (
            r"bus(?:es)?|trains?|taxi|taxis|lifts?",
            r"fares?|bus pass|travel (?:card|costs?|pass)",
            r"travel",
            r"(?:takes|took) (?:\w+ )?(?:hours?|ages)",
            r"too far|far away|miles away|distance",
            r"get(?:ting)? (?:there|to)",
            r"driving lessons?|driving test|licence",
        ),
        (r"journey", r"walk"),
    ),
    "information-support": (
        (
            r"(?:didn't|did not|don't|do not|never) know (?:about|there was|i (?:was|could|can)|who|what|where|how)",
            r"(?:what's|whats) the (?:number|phone number|website)",
            r"(?:is there|are there) (?:a |an |any )?(?:number|anywhere|anything|place|service|support|help|free)",
            r"any ?(?:one|1|body) know",
            r"(?:how|where) (?:do|can|would|should) i (?:get|register|apply|find|sign up|go)",
            r"(?:am i|are we|do i|will i|can i)(?: still)? (?:entitled|eligible|allowed)",
            r"(?:nobody|no one|naebody) (?:tells|told|will tell|will give) (?:you|me|us)",
            r"(?:just )?found out",
            r"didn't (?:even )?know",
            r"passed (?:from one|about|around|between)",
            r"(?:don't|do not) know (?:which|who|where|what|how)",
            r"what happens (?:at|to|if|when|after)",
            r"(?:does|do|can) the council",
            r"is that true",
            r"how long (?:does|will|do) (?:it|they)",
            r"guide",
            r"straight answer",
            r"(?:no one|nobody|naebody) (?:told|tells) me",
            r"who (?:to|do i|should i|can i) (?:phone|call|talk to|speak to|ask|contact|go to)",
            r"(?:nobody|no one|naebody|never) (?:ever )?(?:told|tells) (?:me|us)",
            r"(?:wasn't|wasnt|wasnae|was never|never got|never even got) told",
            r"(?:last|the last) (?:one|person) to (?:find out|know|hear)",
            r"(?:what|whats|what's) (?:is )?(?:a|an|the) [\w ]{3,30}(?:\?|$)",
            r"(?:do i|would i|will i|am i able to) qualify",
            r"(?:what|which) (?:help|support|grants?|money) (?:is|am i|can i|are)",
            r"(?:is|are) there (?:any|anyone|anybody|someone|somebody)",
            r"(?:someone|somebody|anyone|anybody) (?:to )?(?:help me )?(?:understand|explain|read)",
            r"all (?:written down )?in one place",
            r"(?:find|found|finding) out about (?:things|stuff|it|grants|help)",
            r"(?:don't|do not|dont|still don't) (?:fully )?understand what i(?:'m| am) entitled",
            r"where (?:to|do i|can i) (?:go|get)",
            r"what (?:support|help) (?:do|can|is|will)",
            r"what (?:am i|i'm) entitled",
            r"(?:found|find) out (?:late|too late|last week|after)",
            r"too many (?:places|people|forms)",
            r"information|info\b",
            r"leaflets?|website|helpline|phone number|number (?:to|i can) (?:call|phone|text|ring)|out of hours",
            r"drop[- ]in|signpost\\w*|where can i find|does anyone know|what'?s available|what (?:help|support)",
            r"entitlements?|eligible|apply for|application|forms?|paperwork",
            r"how do i (?:get|apply|find)",
            r"(?:any|what) help (?:is there|available)",
            r"what happens (?:when|next|if)",
        ),
        (r"help", r"support"),
    ),
}


@dataclass(frozen=True)
class ThemeMatch:
    """A theme a message was filed against, and why: the words that matched, and whether the cue was strong."""

    slug: str
    cues: tuple[str, ...]
    strong: bool


@dataclass
class ThemeRules:
    """The compiled cues of every theme, default and learned; one instance serves any number of messages."""

    cues: Mapping[str, tuple[Sequence[str], Sequence[str]]] = field(default_factory=lambda: CUES)
    # The phrases staff taught, by theme: the learned theme model never takes away a theme one of them gave.
    taught: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._compiled = {
            slug: (_compile(strong), _compile(weak)) for slug, (strong, weak) in self.cues.items() if strong or weak
        }

    def with_cues(self, extra: Mapping[str, Iterable[str]]) -> ThemeRules:
        """These rules plus strong cues learned from staff coding (plain phrases, matched as whole words)."""
        merged = {slug: (tuple(strong), tuple(weak)) for slug, (strong, weak) in self.cues.items()}
        taught = {slug: set(phrases) for slug, phrases in self.taught.items()}
        for slug, given in extra.items():
            phrases = list(given)
            strong, weak = merged.get(slug, ((), ()))
            merged[slug] = ((*strong, *(re.escape(p) for p in phrases)), weak)
            taught.setdefault(slug, set()).update(p.lower() for p in phrases)
        return ThemeRules(merged, {slug: frozenset(phrases) for slug, phrases in taught.items()})

    def was_taught(self, match: ThemeMatch) -> bool:
        """Whether a phrase staff taught gave this theme."""
        phrases = self.taught.get(match.slug, frozenset())
        return any(cue.lower() in phrases for cue in match.cues)

    def match(self, text: str, *, clean: str | None = None) -> list[ThemeMatch]:
        """The themes `text` is about, in taxonomy order, each with the words that showed it."""
        clean = normalise(text) if clean is None else clean
        found: list[ThemeMatch] = []
        for slug, (strong, weak) in self._compiled.items():
            strong_hits = _hits(strong, clean)
            weak_hits = _hits(weak, clean)
            if strong_hits:
                found.append(ThemeMatch(slug, strong_hits + weak_hits, strong=True))
            elif len(weak_hits) >= 2:
                found.append(ThemeMatch(slug, weak_hits, strong=False))
        return found


def _compile(patterns: Sequence[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns).join((r"(?<![\w'])(?:", r")(?![\w])")))


def _hits(pattern: re.Pattern[str] | None, clean: str) -> tuple[str, ...]:
    if pattern is None or pattern.search(clean) is None:  # most themes miss most messages: ask once, cheaply
        return ()
    return tuple(dict.fromkeys(m.group(0) for m in pattern.finditer(clean)))


DEFAULT_RULES = ThemeRules()

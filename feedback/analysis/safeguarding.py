"""Safeguarding screening of a single message, before anything else is done with it.

Plain rules, so a worker can always see why a message was flagged. Missing a real risk is the worst failure and a
false alarm costs a worker a few minutes, so the rules lean towards flagging; figures of speech that young people
use every day ("this exam is killing me", "I'm dying to see it") are left alone.

The reasons returned name a category, never the words of the message, so they are safe to log and count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from feedback.analysis.learned import NaiveBayes
from feedback.analysis.risk_model import flags
from feedback.analysis.text import normalise

# Each rule: a category and the patterns that show it. Patterns run on normalised text (see `normalise`).
_FAMILY = (
    r"(?:mum|mam|maw|ma|dad|da|stepdad|step dad|stepmum|step mum|brother|sister|wee brother|wee sister"
    r"|gran|granny|papa|carer|carers|foster (?:mum|dad|carer)s?|uncle|auntie|aunt|boyfriend|girlfriend|partner)"
)
_HURT_VERB = (
    r"(?:hit|hits|hitting|hurts|hurt|hurting|punch(?:es|ed|ing)?|kick(?:s|ed|ing)?|beat(?:s|en|ing)?"
    r"|batter(?:s|ed|ing)?|slap(?:s|ped|ping)?|strangl(?:e|es|ed|ing)|chok(?:e|es|ed|ing)|bat(?:s|ted)"
    r"|leather(?:s|ed)?|skelp(?:s|ed)?)"
)

_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "suicide",
        (
            r"\bkill(?:ing)? my ?sel(?:f|ves)\b",
            r"\bend(?:ing)? (?:it all|my life|my self|myself|things|it)\b(?! (?:with|between|now that))",
            r"\bsuicid",
            # First person: "my brother is going to die" is a worry about him, not a wish.
            r"\b(?:i|i'm|i am|i've|just|really|honestly)\b(?:(?!\b(?:he|she|they|he's|she's|they're)\b)[\w' ]){0,12}"
            r"\b(?:want|wanted|wanting|going|gonna) to die\b(?! (?:of|fae|from) (?:cringe|embarrassment|shame|boredom"
            r"|laughing))",
            r"\b(?:want|wanted) (?:it all|everything|it) to (?:stop|end|be over)\b",
            r"\bbetter off without me\b",
            # "I don't see the point" of anything; not "of reviews".
            r"\b(?:don't|do not|dont|can't|cannot) see (?:the|any) point\b"
            r"(?! (?:in|of) (?!(?:anything|any of it|living|life|going on|it all|trying|being|me)\b))",
            r"\bwish i could (?:just )?(?:disappear|vanish|not exist|stop existing|not wake up|sleep forever)\b",
            r"\b(?:better|happier|easier)\b[\w' ]{0,30}\bif i (?:wasn't|wasnt|was not|weren't|were not|wasnae)"
            r" (?:here|around|alive|born)\b",
            r"\b(?:a|such a) burden (?:to|on) (?:every(?:one|body)|them|you all|my \w+)\b",
            r"\bkill(?:ing)? (?:herself|himself|themselves|theirselves)\b(?! laughing)",
            r"\b(?:pills|tablets|paracetamol|painkillers|meds) (?:saved|stashed|hidden|ready)\b",
            r"\btake (?:everything|all (?:of )?(?:my|the|them)) (?:in the )?"
            r"(?:pills|tablets|meds|medication|cupboard)\b",
            r"\b(?:walk(?:ing)? into|jump(?:ing)? (?:off|in|into)) (?:the|a) (?:river|sea|clyde|loch|traffic|bridge"
            r"|building|roof|car park)\b",
            r"\bin front of (?:a|the) (?:train|bus|car|lorry)\b",
            r"\bgoodbye (?:letters?|notes?|messages?|texts?)\b",
            r"\b(?:say|said|saying) goodbye to every(?:one|body)\b",
            r"\bhang(?:ing|ed)? my ?self\b",
            r"\btried to (?:hang|kill|end|top|drown|overdose)\b",
            r"\bpoint in (?:waking up|getting up|living|being alive)\b",
            r"\bthink(?:ing)? about jumping\b|\bon the (?:bridge|roof|edge)\b.*\bjump",
            r"\bgave (?:all |most of )?my (?:stuff|things|clothes) away\b|\bwon't be needing (?:it|them)\b",
            r"\b(?:got|have|made) a plan\b.*\b(?:doing it|do it|this weekend|tonight|tomorrow)\b",
            r"\bwhat'?s the point (?:of|ae|in) (?:me|living|life|going on|being here)\b"
            r"(?! (?:going|coming|doing|trying|being at|turning up|at|in|to))",
            r"\bwhat i (?:might|could|will|would|may) do to my ?self\b",
            r"\bif i (?:was|were|wis) (?:gone|dead|not here|no here|not around)\b",
            r"\b(?:don't|do not|dont) want to exist\b|\btired of (?:existing|living|being alive)\b",
            r"\b(?:sort|end|fix|finish) (?:it|things|this) (?:\w+ )?permanently\b",
            r"\b(?:only|last) reason i(?:'m| am| was)? still (?:here|alive|going|around)\b",
            r"\b(?:won't|wont|will not|not going to) (?:be )?(?:around|here|alive) (?:to|for|by|much longer|next)\b",
            r"\bcan't see my ?self (?:being )?(?:here|alive|around)\b",
            r"\bsorry for (?:being|everything)\b.*\b(?:love (?:you|u) all|bye|goodbye)\b",
            r"\b(?:the )?last time (?:i'll|i will|ill) (?:message|text|speak|talk)\b",
            r"\bmy (?:own )?funeral\b",
            r"\btonight'?s the night\b.*\bsorry\b",
            r"\b(?:no|not) want(?:ing)? to (?:wake up|be alive|live|be here)\b",
            r"\bno point (?:in )?(?:anything|any of it|going on|trying)\b",
            r"\b(?:go to sleep|fall asleep|sleep) and (?:not|never) wake up\b",
            r"\b(?:bought|buying|got|saving|saved|stockpil\w*) (?:a load of |loads of |some |a lot of )?"
            r"(?:paracetamol|pills|tablets|painkillers)\b",
            r"\b(?:took|taken|take|swallowed) (?:too many|a load of|loads of|all (?:my|the))"
            r" (?:pills|tablets|paracetamol)",
            r"\b(?:not|wasn't|weren't|no longer) (?:be |being )?(?:here|around|alive) (?:anymore|any more|much longer"
            r"|for long)\b",
            r"\b(?:nobody|no one|naebody|no1) would (?:even )?(?:care|notice|miss me)\b",
            r"\bwish i (?:was|were) dead\b",
            r"\bbetter off dead\b",
            r"\b(?:do not|don't|dont) want to (?:be alive|live|be here anymore|wake up)\b",
            r"\bno (?:point|reason) (?:in )?(?:living|to live|being alive)\b",
            r"\b(?:if|whether) i live or die\b",
            r"\btake my (?:own )?life\b",
            r"\bunalive\b",
            r"\bkms\b",
            r"\bcan(?:no|'?)t go on\b",
        ),
    ),
    (
        "self-harm",
        (
            r"\bself[- ]?harm",
            r"\b(?:been |started |start )?cutting (?:again|myself|my)\b",
            r"\b(?:burns?|cuts?|marks?|scars?) on my \w+ (?:are|is|were|was) (?:from )?(?:me|myself)\b",
            r"\b(?:hurt|hurting|harm|harming|cut|cutting|burn|burning|starv\w*) (?:my ?self|myself)\b",
            r"\bcut(?:ting)? my (?:arms?|legs?|wrists?|skin)\b",
            r"\b(?:burn(?:t|ed|ing)?|scratch(?:ed|ing)?) my (?:arms?|legs?|wrists?|skin|hands?|thighs?)\b",
            r"\b(?:punch(?:ed|ing)?|hit(?:ting)?|bang(?:ed|ing)?|bit(?:e|ing)?|scratch(?:ed|ing)?) my ?self\b",
            r"\b(?:drink|drinking|drank) (?:til|till|until|to) (?:i|the point i) (?:black|pass)(?:ed)? out\b",
            r"\b(?:holding|hid|hide|hidden|found|carry|carrying|got|bought) (?:the |a |my |some )?"
            r"(?:blades?|razors?)\b",
            r"\b(?:cut|cutting) again\b|\bwhen i cut\b|\bcut last night\b|\bsh again\b",
            r"\bdoing it on my (?:arms?|legs?|wrists?|thighs?|stomach)\b",
            r"\bmy (?:arms?|legs?|wrists?|thighs?) (?:are|is) (?:a |in a |all )?(?:mess|cut|marked|scarred)\b",
            r"\bpunish my ?self\b|\bhit(?:ting)? my (?:own )?head\b",
            r"\b(?:scratch|pick|bit|bite|dig)\w* (?:till|until) it bleeds\b",
            r"\bbang(?:ed|ing)? my head (?:off|against|on) (?:the|a) wall\b",
            r"\bmarks on my (?:arms?|legs?|wrists?|thighs?)\b|\b(?:the|my) cuts\b",
            r"\bonly way i (?:can )?feel (?:anything|something)\b",
            r"\boverdos\w*\b",
            r"\btook (?:a load of|loads of|all my) (?:pills|tablets)\b",
        ),
    ),
    (
        "abuse or violence",
        (
            rf"\b{_HURT_VERB} (?:me|us)\b",
            # Another child being hurt: "her boyfriend's been hitting him".
            rf"\b(?:been |keeps |kept |always )?{_HURT_VERB} (?:him|her|them|my wee \w+|the wean|the baby)\b",
            r"\block(?:s|ed)? (?:the )?(?:fridge|food|cupboards?|kitchen)\b(?! at \d)",
            r"\bsent to (?:bed|my room) without (?:my |any )?(?:tea|dinner|food|supper)\b",
            r"\bsmash(?:es|ed|ing)? (?:stuff|things|the house|everything)\b",
            r"\bcomes? (?:in|into) my (?:room|bed) at night\b",
            r"\b(?:chair|something) (?:against|behind) (?:the|my) door\b",
            r"\b(?:used to |did |does |do |doing )?(?:do|did|does|doing) (?:stuff|things) to me\b",
            r"\bscared (?:he|she|they)(?:'s| is| are| will|'ll)? (?:going to|gonna|gon) (?:come back|hurt|find)\b",
            r"\b(?:bang|bangs|banging|kick|kicking) (?:on )?my door\b",
            r"\bput my windows? in\b",
            r"\bheld me down\b|\bpinned me\b",
            r"\bno food (?:in the house )?(?:for|in) (?:\d+|a|two|three|four) (?:days?|weeks?)\b",
            r"\bno (?:heating|electric|gas) and no food\b|\bno food and no (?:heating|electric|gas)\b",
            r"\b(?:break|batter|kill|hurt|have me|send me|put me)\b[^.]{0,40}\bif i (?:say|tell|speak|talk|grass)\b",
            r"\bshak(?:es|ing|ed) (?:him|her|the baby|the wean)\b",
            r"\bwhat (?:my |the |that )?(?:\w+ ){0,3}did to me\b|\bonly (?:ready|able) to (?:say|tell|talk)\b",
            r"\b(?:ready|need) to (?:talk|say|tell)\b.*\bwhat happened\b",
            r"\b(?:i|you) should die\b|\b(?:i'm|you're|youre) dead when\b",
            r"\bdealing (?:downstairs|outside|in the close|next door|on my stair)\b|\bkicking (?:the )?doors?\b",
            r"\b(?:says|said|tells) (?:i'm|im|i am) nothing without (?:him|her)\b",
            r"\bchecks my phone\b.*\b(?:won't let|wont let|says|nothing|scared|angry)\b",
            r"\bwoke up in (?:some|a|an|this) (?:guy'?s|man'?s|stranger'?s|random'?s|older \w+'?s)"
            r" (?:flat|house|bed)\b",
            r"\b(?:said|says|told me) not to tell (?:anyone|anybody|my \w+)\b",
            rf"\b{_HURT_VERB} my {_FAMILY}\b",
            r"\b(?:touch(?:es|ed|ing)?|grab(?:s|bed|bing)?) me\b",
            r"\b(?:abus(?:e|es|ed|ing|ive)|rap(?:e|ed|es|ing)|molest\w*|sexually)\b",
            r"\bthreaten(?:s|ed|ing)? (?:me|to)\b",
            r"\b(?:stab|stabbed|knife|knifed|weapon)\b(?! crime| skills)",
            r"\bscared (?:of|to go) (?:him|her|them|going home|home|my \w+)\b",
            r"\bfeart (?:of|to go) ",
            r"\blocked me in\b",
            r"\b(?:getting|gets|got|being|been|was|were|is) (?:hit|battered|beaten|punched|kicked|slapped|leathered)\b"
            r"(?! (?:out|off|up|in (?:sparring|training|football|rugby|hockey|the game|a match)|by (?:a|the) ball))",
            r"\bbruis(?:e|es|ed|ing)\b(?!(?: is| are| was| were)? (?:from|fae) (?:hockey|football|rugby|training"
            r"|sparring|the gym|pe|falling|a fall)\b| after (?:rugby|football|hockey|training|the game|pe|boxing)\b)",
            r"\brestrain(?:ed|s|ing)? me\b",
            r"\b(?:bit|bites) me\b",
            r"\b(?:push(?:ed|es)?|shov(?:ed|es)|thr(?:ew|ows)|dragg?(?:ed|s)) me (?:down|into|against|over|out|off"
            r"|across|about|around|up)\b",
            r"\b(?:they're|theyre|they are|he's|hes|he is|she's|shes|she is|someone's|someone is|people are|is|are"
            r"|was|were) (?:coming|gonna come|going to come) (?:for|after) me\b|\bcame (?:for|after) me\b",
            r"\b(?:find|found|finds) out where i (?:stay|live|am)\b",
            r"\bsend(?:ing|s)? (?:people|folk|boys|someone|somebody) (?:to|round|after)\b",
            r"\bpost(?:ed|ing)? my (?:address|number|pics|photos|pictures)\b",
            r"\b(?:came|come|went|goes) (?:at|for) me\b",
            r"\b(?:threw|throws|throwing|flung|chucked) (?:a|the|his|her|my) \w+ at (?:me|my)\b",
            r"\b(?:hands?|arms?) (?:round|around) my (?:throat|neck)\b",
            r"\b(?:kick|kicks|kicked|beat|beats|batter\w*) (?:the )?(?:fuck|shit|hell|life|crap) out of me\b",
            r"\bthe (?:hitting|beatings?|abuse)\b",
            r"\b(?:kill|hurt|batter|murder|do) me if i (?:tell|say|speak|talk|grass)\b",
            r"\bwish(?:es)? (?:i'd|i had|i was) never (?:been )?born\b|\bwaste of space\b",
            r"\bcalls? me (?:a )?(?:slag|whore|slut|useless|worthless|waste)\b",
            r"\b(?:hand|hands) (?:up|down|on|in|inside) my (?:skirt|top|trousers|leg|thigh|pants|shorts|knickers)\b",
            r"\btold me to delete\b|\bdelete (?:the|his|her|our) (?:messages|texts|chats|pics)\b",
            r"\btracks? my (?:location|phone)\b|\bturns? up wherever\b",
            r"\bno(?: ?one|body) else (?:would|will) (?:ever )?(?:want|love|have) me\b",
            r"\b(?:hasn't|hasnt|haven't|havent|not|no|never|doesn't|don't) (?:been )?(?:fed|feed|feeding) me\b",
            r"\bonly feed (?:their|her|his) own\b",
            r"\b(?:no|not|hasn't|haven't) (?:made|had|cooked) (?:any )?(?:dinner|tea|food) (?:in|for) (?:like )?"
            r"(?:a|\d+|two|three) (?:days?|weeks?)\b",
            r"\block(?:ed|s)? me out\b",
            r"\bgun\b",
            r"\bscared to (?:come|go) out (?:of )?my room\b",
            r"\bfirst time (?:saying|telling|i've told|i have told)\b",
            # A first disclosure: "never told anybody til now".
            r"\bnever told (?:anyone|anybody|naebody|a soul|no one)\b",
            r"\bwon'?t let me (?:eat|leave|out|go out|see anyone)\b",
        ),
    ),
    (
        "exploitation or grooming",
        (
            r"\b(?:asking|asked|asks|wants|wanted) (?:me )?for (?:pics|pictures|photos|nudes|nudies)\b",
            r"\bsend (?:him|her|them) (?:pics|pictures|photos|nudes)\b",
            r"\bnudes?\b",
            r"\bgroom\w*\b",
            r"\bolder (?:boy|boys|man|men|guy|guys|girl|girls|woman|lads?)\b"
            r".*\b(?:messag|texts?|snap|pics|money|gifts?|lifts?|drink|party|meet|buy)",
            r"\b(?:made|make|making|makes) me (?:hold|carry|sell|deliver|move|drop off|keep)\b",
            r"\bcounty lines\b",
            r"\bpay (?:\w+ ){0,3}(?:in )?(?:other|another) ways?\b",
            r"\basking what i(?:'m| am) wearing\b|\bif my carers are (?:in|out|home|asleep)\b",
            r"\brun(?:ning)? (?:gear|drugs|packages|parcels)\b|\bplugging\b",
            r"\btrains? to places i (?:don't|didn't) know\b",
            r"\b(?:don't|didn't) (?:even )?know (?:their|his|her) names?\b",
            r"\b(?:money|cash|paid) for (?:sex|pics|photos|stuff)\b|\bfor sex\b",
            r"\bexpect(?:s|ed)? (?:stuff|things|favou?rs|something|sex)\b",
            r"\b(?:men|guys|older \w+) for (?:money|cash|drink|drugs)\b",
            r"\b(?:keep|keeps|took|take|has|have|got) my bank card\b|\bmy account that (?:isn't|isnt) mine\b",
            r"\bwatching (?:my|the) (?:flat|house|close|door)\b|\bgetting done in\b",
            r"\bvideos?\b.*\b(?:don't|didn't) want to see\b",
            r"\b(?:1[0-5])\b.*\b(?:[2-5]\d) ?(?:yr|year)s? old (?:man|guy|boy|woman)\b",
            r"\b(?:don't|can't|cannot|didn't) remember (?:the end of )?(?:the|last) night\b",
            r"\bmet (?:him |her |them )?online\b",
            r"\b(?:guy|man|boy|lad)'?s? (?:flat|house) i met\b",
            r"\bwants? to meet (?:up|me)\b.*\b(?:older|age|\d\d|says he'?s|pics?)",
            r"\bshare (?:the |my )?(?:ones|pics|pictures|photos|nudes|videos) i (?:already )?sent\b",
            r"\b(?:1[0-5]) and (?:sleeping with|going out with|seeing|shagging|with) (?:a |an )?"
            r"(?:1[89]|[2-5]\d) year old\b",
            r"\b(?:hold|keep|carry|run|sell|drop) (?:stuff|things|bags|packages|gear|it)"
            r" (?:for|wi|with) (?:them|him|some)\b",
            r"\b(?:run|running|runnin) (?:about|around) (?:with|wi) bags\b",
            r"\b(?:getting|got|get) paid to (?:run|deliver|hold|carry|drop|sell|move)\b",
            r"\b(?:messag\w*|texts?|texting|snap\w*) me\b[\w ]{0,30}\bat night\b",
            r"\b(?:owe|owes|owed) (?:them|him|her|those guys|that guy)\b",
            r"\b(?:gives?|giving|gave|buys?|buying|bought) me (?:free )?(?:stuff|things|drink|drinks|vapes?|weed"
            r"|money|cash|phones?|clothes|trainers|presents|gifts)\b.*\b(?:older|owe|secret|don't tell|dont tell"
            r"|pay (?:him|them|it) back|favou?r)",
        ),
    ),
    (
        "going missing",
        (
            r"\b(?:ran|run|running|runnin) away\b(?! with (?:the|it)\b| to the (?:beach|seaside|sun|coast)\b)",
            r"\b(?:go|going|went|gone) missing\b",
            r"\bsleeping (?:rough|on the street|outside)\b",
            r"\bsleep(?:ing)? (?:in|on) (?:a|the) (?:stairwell|park|car|street|close|bus station|bench|stairs)\b",
            r"\bnowhere (?:else )?to (?:go|sleep|stay)\b",
            r"\b(?:can't|cannot|can not) go home tonight\b",
            r"\bnot going back to (?:that|my|the) (?:placement|foster|unit|house|home|carers?)\b",
            r"\b(?:was|been|went) missing (?:for )?\d+ (?:days?|nights?)\b",
            r"\bpolice brought me back\b",
            r"\breported missing\b|\bdisappear for a (?:bit|while|few days)\b|\bawol\b",
            r"\bnot telling (?:my )?(?:social worker|carers?|staff|key ?worker)\b",
            r"\bonce every(?:one|body)'?s asleep\b",
            r"\bonly met (?:them|him|her) (?:yesterday|today|last night)\b",
            r"\b(?:kipping|sleeping|slept) in a (?:shop )?doorway\b",
            r"\bnight bus\b.*\b(?:all night|whole night|round and round)\b",
            r"\b(?:been )?(?:away|gone) (?:for )?(?:\d+|two|three|four|five) (?:days|nights)\b",
            r"\bslept (?:in|on) (?:the|a) (?:close|park|street|stairs|stairwell|bus shelter|car)\b",
            r"\bin the park since\b",
            r"\b(?:left|walked out of|ran out of|legged it fae|legged it from) (?:the|my) (?:unit|placement|house|home"
            r"|carers?|foster \w+)\b.*\b(?:not|haven't|havent|never|no) (?:been |gone )?back\b",
        ),
    ),
    (
        "feeling unsafe",
        (
            r"(?<!\bnot )(?<!\bnever )\bunsafe\b",
            r"\b(?:not|never|no) (?:feel |feeling )?safe\b",
            r"\b(?:do not|don't|dont|doesn't|doesnt|never) feel safe\b",
            r"\bnot safe\b",
            r"(?<!\bnot )\bin danger\b",
            r"\bscared for my life\b",
            r"\bscared to (?:go out|go home|leave|sleep)\b",
            r"\b(?:hangs?|hanging) (?:about|around) outside\b.*\bwatching\b",
        ),
    ),
)

# One pattern per category, its rules as alternatives: a message is read once per category, not once per rule.
_COMPILED = tuple((category, re.compile("|".join(f"(?:{p})" for p in patterns))) for category, patterns in _RULES)

# Negations that turn "I feel unsafe" into "I don't feel unsafe", and questions about what to do if: looked for
# just before an "unsafe" match.
_NEGATED_UNSAFE = re.compile(
    r"\b(?:not|never|no longer|don't|dont|do not|didn't|didnt) (?:feel |felt )?unsafe\b"
    r"|\bif (?:i|you|someone|somebody|anyone|a young person) (?:ever )?(?:feel|feels|am|is|are|felt) unsafe\b"
)
# Denials of being hurt ("nobody hurts me", "my carers don't hit me or anything"), taken out of the text before the
# rules run, unless the message goes on past them with a "but" ("he said he'd never hit me again but...").
_DENIED_HURT = re.compile(
    r"\b(?:nobody|no one|no1|naebody|nobody's|nobodys|no one's|nobody is|never|don't|dont|doesn't|doesnt|do not"
    r"|does not|didn't|didnt|wouldn't|would never)(?: (?:at|in) \w+)? (?:ever )?"
    rf"(?:{_HURT_VERB}|threatening|threatens) (?:me|us)\b"
    r"(?!.*\bbut\b)[^.,]*"
    # Figures of speech about a bad day: "the bus was so late I wanted to die".
    r"|\bso \w+ (?:that )?i (?:wanted|could(?: have)?) (?:to )?die\b"
)


@dataclass(frozen=True)
class Screening:
    """The result of screening one message: whether it may show risk of harm, and which kinds."""

    risk: bool
    reasons: tuple[str, ...] = ()
    # The words the learned screen weighed most, for the worker reading the alert: never logged or counted.
    evidence: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return ", ".join(self.reasons)


# The reason given when only the learned screen saw a risk.
LEARNED = "possible risk (learned words)"

# Risk that a young person says is over and known ("used to self harm but I've been clean 8 months") or denies in
# passing ("not suicidal or anything, just bored"). Anything less clear stays a risk: missing one is the worst
# failure, a false alarm costs a worker some minutes.
_RESOLVED = re.compile(
    r"\bused to\b.*\bbut\b.*\b(?:clean|haven't|havent|have not|not since|stopped|don't any ?more|dont any ?more"
    r"|no more|not any ?more|not in (?:a|\d+|ages)|doing (?:much |a lot |loads |way )?better"
    r"|doing (?:well|good|ok|okay|fine))"
    r"|\b(?:last year|years? ago|back then|when i was (?:\d+|wee|younger))\b.*\bbut\b.*\b(?:much better|helped|settled"
    r"|fine now|ok now|okay now|good now)\b"
    r"|\bwhen i was \d+\b.*\b(?:i'm|im|i am) \d+ now\b|\bwhen i was \d+\b.*\bnow (?:i'm|im|i am) \d+\b"
    r"|\b(?:\w+|\d+) (?:years?|months?|winters?|summers?) ago\b.*\b(?:got a (?:flat|place|home)"
    r"|(?:settled|safe|fine|okay|ok|better|good) now)\b"
    r"|\bused to\b.*\bbut\b.*\bsettled\b"
    r"|\bused to\b.*\b(?:settled now|safe now|know all about it|no anymore|no any more|nae mair)"
    r"|\b(?:it's|its|it has) been (?:\d+|a|two|three|four|five|six) (?:weeks?|months?|years?) since i (?:last )?"
    r"|\bused to\b.*\b(?:it's|its|it has) been (?:\d+|a|two|three|four|five|six|several|many) (?:weeks?|months?|years?)"
)
_DENIED = re.compile(
    r"\b(?:not|no|never been) (?:suicidal|going to hurt myself)\b or (?:anything|owt)\b"
    r"|\b(?:i'm|im|i am) not (?:thinking about|going to|gonna) (?:hurting|hurt|killing|kill) my ?self\b"
    r"|\bnot thinking about (?:suicide|killing myself|ending it)\b"
    r"|\b(?:i'm|im|i am) not (?:running|going to run) away\b"
)
# ...unless the same message asks for someone now: then a worker should know.
_URGENT = re.compile(r"\b(?:need (?:someone|somebody|help|to talk)|tonight|right now|please|scared)\b")
# ...unless they go on to say it is happening to them or someone they know.
_HAPPENING = re.compile(r"\b(?:happening|happened) to (?:me|my|us)\b|\bthat'?s what'?s happening\b")
_ABOUT_SAFETY = re.compile(
    r"\b(?:told|tell|telling|learn|learned|learnt|taught|teach) (?:\w+ )?about (?:grooming|exploitation|abuse|consent"
    r"|county lines)|\bwent over what to do if\b"
    r"|\bto talk about (?:grooming|county lines|exploitation|drugs|knife crime|consent|online safety)\b"
    r"|\b(?:a|the) (?:workshop|session|lesson|talk|assembly|class|course) (?:on|about)\b|\bcrime workshop\b"
)


def screen(text: str, model: NaiveBayes | None = None) -> Screening:
    """Screen one message for risk of harm to the young person or to another child they mention: the rules, and
    the learned screen for what no rule lists."""
    clean = normalise(text)
    about_safety = _ABOUT_SAFETY.search(clean) and not _HAPPENING.search(clean)
    if _RESOLVED.search(clean) or (_DENIED.search(clean) and not _URGENT.search(clean)) or about_safety:
        return Screening(risk=False)
    clean = _DENIED_HURT.sub(" ", clean)
    reasons: list[str] = []
    for category, pattern in _COMPILED:
        for match in pattern.finditer(clean):
            if category == "feeling unsafe" and _is_negated_unsafe(clean, match):
                continue
            reasons.append(category)
            break
    if reasons:
        return Screening(risk=True, reasons=tuple(reasons))
    flagged, evidence = flags(text, model)
    if flagged:
        return Screening(risk=True, reasons=(LEARNED,), evidence=evidence)
    return Screening(risk=False)


def _is_negated_unsafe(clean: str, match: re.Match[str]) -> bool:
    if "unsafe" not in match.group(0):
        return False
    window = clean[max(0, match.start() - 20) : match.end()]
    return _NEGATED_UNSAFE.search(window) is not None

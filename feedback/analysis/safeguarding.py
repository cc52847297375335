"""Safeguarding screening of a single message, before anything else is done with it, in two tiers.

- **Risk** (urgent, an alert): suicidal thoughts, plans or goodbyes; self-harm; abuse, neglect or domestic
  violence; exploitation and grooming; going missing or having nowhere safe tonight; feeling unsafe or threatened;
  another child harmed like this. Said plainly or not.
- **Concern** (not urgent, but a worker should read it today): hints of past or present harm, drinking or drugs to
  cope, not being believed, asking for help or contact without saying why, worry about someone else's safety,
  very low mood without suicidal content, bad bullying or threats online, going without food or heating. Every risk
  is a concern too.

Plain rules first, so a worker can always see why a message was flagged; then the learned screen (`risk_model`) for
what no rule lists. Missing a real risk is the worst failure and a false alarm costs a worker a few minutes, so the
screen leans towards flagging, above all towards a concern; figures of speech young people use every day ("this
exam is killing me", "lol im dead"), games, films, lessons about the subject, a past that is over and sports
injuries are left alone.

The reasons returned name a category, never the words of the message, so they are safe to log and count;
`SEVERITY` orders them for the alert list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from re import _constants, _parser  # type: ignore[attr-defined]
from typing import Any

from feedback.analysis.risk_model import CONCERN, RISK, LinearScreen, default_model
from feedback.analysis.text import screening_form

# Each rule: a category and the patterns that show it. Patterns run on the text as the screen reads it
# (`screening_form`: lower case, text-speak and Scots spelt out).
_FAMILY = (
    r"(?:mum|mam|maw|ma|dad|da|stepdad|step dad|stepmum|step mum|brother|sister|wee brother|wee sister"
    r"|gran|granny|papa|carer|carers|foster (?:mum|dad|carer)s?|uncle|auntie|aunt|boyfriend|girlfriend|partner"
    r"|baby brother|baby sister|little brother|little sister|big brother|big sister|brothers|sisters)"
)
_HURT_VERB = (
    r"(?:hit|hits|hitting|hurts|hurt|hurting|punch(?:es|ed|ing)?|kick(?:s|ed|ing)?|beat(?:s|en|ing)?"
    r"|batter(?:s|ed|ing)?|slap(?:s|ped|ping)?|strangl(?:e|es|ed|ing)|chok(?:e|es|ed|ing)|bat(?:s|ted)"
    r"|leather(?:s|ed)?|skelp(?:s|ed)?|shov(?:e|es|ed|ing))"
)

_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "suicide",
        (
            r"\b(?:standing|standin|stood|sitting|sittin|sat) (?:at|on) the (?:edge|top)\b[^.]{0,40}\b(?:thinking"
            r"|thinkin|for ages"
            r"|looking down|lookin doon)\b",
            r"\btake (?:all )?(?:of )?(?:my |ma |the |all my |aw ma )?(?:meds|pills|tablets|medication)\b[^.]{0,15}"
            r"\b(?:all )?at once\b|\btake (?:all|aw) (?:my|ma|the) (?:meds|pills|tablets|medication)\b",
            # Goodbyes, methods asked about, places to jump from, an overdose taken or weighed up.
            r"\b(?:this is|here'?s|consider this) (?:my|a) (?:goodbye|last message)\b",
            r"\b(?:standing|standin|stood|sitting|sittin|sat) on (?:the |a )?(?:\w+ )?(?:bridge|roof|ledge|edge)\b",
            r"\b(?:swallowed|took|taken|necked|downed) (?:all|the whole|a whole|a full|loads of|half) (?:of )?(?:my "
            r"|ma |the |a )?"
            r"(?:box|packet|bottle|strip|pills|tablets|antidepressants|meds|medication|sertraline|fluoxetine"
            r"|paracetamol"
            r"|ibuprofen|co-?codamol)\b",
            r"\b(?:does it hurt|how long does it take|how many|what happens if (?:u|you|i)) (?:\w+ ){0,4}(?:take"
            r"|swallow)"
            r" (?:a whole|all|the whole|a full|loads of|too many)\b",
            r"\b(?:sleep|sleepin|sleeping) and (?:no|not|never) (?:wake|wakin|waking) up\b",
            r"\bkill(?:ing)? my ?sel(?:f|ves)\b",
            r"\bend(?:ing)? (?:it all|my life|my self|myself|things|it)\b(?! (?:with|between|now that))",
            # Not a game's "suicide mission" or a "suicide prevention" talk.
            r"\bsuicid\w*\b(?! (?:mission|squad|prevention|awareness|doors?|bombers?|run)\b)",
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
            r"\bwr(?:ote|itten|iting|ite) (?:my )?goodbyes?\b|\bgoodbyes?\b.*\blove (?:you|yous) all\b",
            r"\b(?:say|said|saying) goodbye to every(?:one|body)\b",
            r"\bhang(?:ing|ed)? my ?self\b",
            r"\btried to (?:hang|kill|end|top|drown|overdose)\b",
            r"\bpoint in (?:waking up|getting up|living|being alive)\b",
            r"\bthink(?:ing)? about jumping\b|\bon the (?:bridge|roof|edge)\b.*\bjump",
            r"\bgave (?:all |most of )?my (?:stuff|things|clothes) away\b|\bwon't be needing (?:it|them)\b",
            r"\b(?:got|have|made) a plan\b.*\b(?:doing it|do it|this weekend|tonight|tomorrow)\b",
            r"\bwhat'?s the point (?:of|ae|in) (?:me|living|life|going on|being here)\b"
            r"(?! (?:going|coming|doing|trying|being at|turning up|at|in|to))",
            r"\bwhat i(?:'ll|'d)? (?:might |could |will |would |may )?do to my ?self\b",
            r"\bif i (?:was|were|wis) (?:gone|dead|not here|no here|not around)\b",
            r"\b(?:don't|do not|dont) want to exist\b|\btired of (?:existing|living|being alive)\b",
            r"\b(?:sort|end|fix|finish) (?:it|things|this) (?:\w+ )?permanently\b",
            r"\b(?:only|last) reason i(?:'m| am| was)? still (?:here|alive|going|around)\b",
            r"\b(?:won't|wont|will not|not going to) (?:be )?(?:around|here|alive) (?:to|for|by|much longer|next)\b"
            r"(?!.*\b(?:holiday|dentist|appointment|away|work|college|trip|doctor|camp|my (?:dad|mum|gran)'?s)\b)",
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
            # Said less plainly: after I'm gone, not here for Christmas, wanting it over, goodbyes, a plan.
            r"\b(?:after|when|once|for when) i'?m gone\b",
            r"\b(?:not|no|won't|wont|will not|not going to|never going to) (?:going to )?be (?:here|around|alive)"
            r" (?:for|at|by|on"
            r" (?:my|christmas|xmas)|next|much|to see|when)\b"
            # ...but not away on holiday or at the dentist next week.
            r"(?!.*\b(?:holiday|dentist|appointment|away|work|college|trip|doctor|camp|my (?:dad|mum|gran)'?s)\b)",
            r"\b(?:want|need|wish) (?:it|my life|everything|this|it all|life) (?:to be |was |were )?over\b",
            r"\b(?:life|my life|living|being alive|existing)(?: is| feels| seems|'s)? (?:so |just |totally"
            r" )?(?:pointless"
            r"|meaningless|not worth (?:it|living))\b",
            r"\bif i (?:jumped|jump|threw myself|throw myself|stepped|step|walked|walk) (?:off|in front|from|into)\b",
            r"\b(?:throw|throwing|threw|fling|flinging|chuck|chucking)\w* my ?self (?:off|in front|under|into|from)\b",
            r"\b(?:hate|hating) being alive\b",
            r"\b(?:done|finished|over it) (?:with|wi) (?:life|living|being alive)\b|\bdone with everything and"
            r" everyone\b",
            r"\b(?:stop|to stop) (?:existing|breathing)\b",
            r"\b(?:disappear|go away|vanish|disappeared|gone|be gone) (?:for good|forever|for ever|permanently)\b",
            r"\b(?:bought|got|have|buying|get|getting|found) (?:a |some |the )?(?:rope|ligature)\b|\bnoose\b"
            r"|\btied (?:a|the) rope\b",
            r"\bplann\w* (?:my )?(?:own )?(?:death|suicide|funeral)\b|\bgoing to join (?:her|him|them)\b|\bbe with"
            r" (?:my )?\w+"
            r" in heaven\b|\bjoin (?:my )?\w+ in heaven\b",
            r"\b(?:took|taken|swallowed|had|taking|swallowing) (?:\d+|twenty|ten|fifteen|loads of|a lot of|a bunch of)"
            r" (?:of )?"
            r"(?:my )?(?:paracetamol|pills|tablets|painkillers|co-codamol|ibuprofen|sleeping tablets|meds)\b",
            r"\b(?:sitting|standing|stood|sat) on (?:the )?(?:roof|ledge|edge|bridge|railings?|top of the)\b",
            r"\b(?:tablets|pills|blade|razor|knife|rope|noose) (?:are |is )?(?:in front of me|next to me|in my hand"
            r"|ready|beside"
            r" me)\b",
            r"(?<!\bplays )(?<!\bplay )(?<!\bplayed )(?<!\bdo )(?<!\bdoes )\bbetter without me\b(?!.*\b(?:lol|haha)\b)"
            r"|\bif i (?:disappeared|vanished|died|was gone|wasn't here|weren't here)\b.*\b(?:notice"
            r"|care|miss)\b",
            r"\b(?:putting|put|setting|hiding|keeping|saving) (?:\w+ )?(?:pills|tablets|meds) (?:aside|away|by)\b",
            r"\bthought about stepping (?:out|off|in front)\b|\bstep(?:ping)? (?:out )?in front of\b",
            r"\b(?:don't|do not) want to be (?:around|here|alive) (?:for|at|by|when|next|anymore|any more)\b",
            r"\b(?:drive|driving|crash|crashing) (?:my car |the car |a car )?into (?:a|the) (?:wall|tree|lorry|river"
            r"|sea)\b",
            r"\b(?:bridge|train|tracks|roof|edge|cliff)\b.*\bthink about (?:it|jumping|doing it|going over)\b",
            r"\bcan'?t see (?:me|my ?self) (?:still )?(?:being )?(?:here|alive|around|living)\b",
            r"\b(?:sorted|sorting|decided|deciding) (?:out )?(?:who gets|who's getting|who can have) my\b|\bwho (?:gets"
            r"|can have"
            r"|should have) my (?:things|stuff|clothes|xbox|phone)\b",
            r"\b(?:letters?|notes?) (?:to|for) (?:\w+ ){0,2}(?:open|read|find) (?:after|when i'?m gone|once i'?m"
            r" gone)\b",
            r"\bmore and more (?:of )?(?:my )?(?:tablets|pills|meds|paracetamol)\b",
            r"\bnothing (?:left )?to live for\b|\bno reason to (?:live|keep going|go on|be here|stay alive)\b",
            r"\bdeserve to die\b|\b(?:how (?:much )?longer|don't know how long) (?:i can|can i) (?:keep going|go on|do"
            r" this|take"
            r" it|cope|last)\b|\bbefore i do something\b|\bdo something stupid\b",
            r"\b(?:crash|crashing|drive|driving) (?:my|the) car (?:on purpose|into)\b|\bwalk into the sea\b|\bdrown my"
            r" ?self\b"
            r"|\bgoodnight forever\b|\blast message\b",
            r"\b(?:said|say|saying) my goodbyes\b|\bgoodbye (?:everyone|everybody|all|world)\b|\bthis is goodbye\b",
            r"\b(?:think|thinking|thought|thinks) (?:about|of) (?:dying|death|being dead|killing|ending|taking (?:all"
            r" )?my"
            r" (?:pills|tablets|meds))\b",
            r"\b(?:won't|will not|wont|never) (?:hear|see) (?:from )?me again\b",
            r"\bgiv(?:e|ing) (?:away )?(?:all )?my (?:stuff|things|clothes) away\b|\bgiving away (?:all )?my (?:stuff"
            r"|things)\b",
            r"\bwon'?t need (?:it|them|any of it) (?:anymore|any more|where i'?m going)\b|, won'?t need (?:it|them)\b",
            r"\blife insurance\b",
            r"\b(?:pain|it|everything|this) to stop (?:forever|for good|for ever|permanently)\b",
            r"\b(?:no|nae) point (?:in )?(?:me )?being (?:here|alive|around)\b|\bno point (?:in )?me\b",
            r"\b(?:know|ken|worked out|decided|planned) (?:exactly )?how (?:i'm|i am|i'll|i will|i'd|i would) (?:going"
            r" to )?"
            r"(?:do it|end it|kill|go)\b",
            r"\b(?:don't|do not|dont) deserve to (?:live|be alive|be here|exist)\b",
            r"\bi(?:'ve| have) decided\b.*\b(?:tonight|tomorrow|this weekend|it's time)\b",
            r"\b(?:wish|wished) i (?:had|'d) the (?:guts|courage|nerve|bottle) to\b",
            r"\b(?:plann?ing|planned|plan) (?:how|when) (?:i'?d|i would|i'll|i will|to) (?:do it|end it|die|kill)\b",
            r"\b(?:looked|looking|look|searched|searching|googl\w*) (?:up )?(?:how|ways) to (?:die|kill|end)\b"
            r"|\bhow many (?:paracetamol|pills|tablets)\b",
            r"\bkms\b",
            r"\bcan(?:no|'?)t go on\b",
        ),
    ),
    (
        "self-harm",
        (
            r"\bonly (?:thing|way) (?:that )?(?:helps|works|calms me)\b[^.]{0,20}\b(?:the )?(?:sting|pain|blood)\b",
            r"\bblood on (?:my|ma) (?:sheets|bed|pillow|sleeves?|towel)\b",
            r"\b(?:pulled|pulling|pullin|ripped|rippin) out (?:loads of |clumps of |some of )?my hair\b"
            r"|\b(?:scratch|scratched|scratchin|pick|picked|bit|bite)\w* (?:my \w+ )?(?:till|until|til) (?:it"
            r"|they) (?:bled|bleed)",
            r"\b(?:asked|asking|got|bought|buy|need) (?:the chemist |the pharmacy )?(?:for )?(?:more )?(?:steri ?strips"
            r"|butterfly stitches)\b",
            r"\b(?:a |my |wee )?(?:box|kit|tin|bag) (?:in my room |under my bed )?for when it gets (?:bad|too much"
            r"|worse)\b",
            # Said around the act: blood as relief, plasters used up on arms or legs, marks hidden, a blade kept.
            r"\b(?:seeing|see|seein|watching|watch) (?:the )?blood\b",
            r"\b(?:plasters|bandages|dressings|steri ?strips)\b[^.]{0,60}\bmy (?:arms?|legs?|wrists?|thighs?"
            r"|stomach)\b",
            r"\b(?:hide|hiding|cover|covering|so (?:naebody|nobody|no one|noone|no1) (?:sees?|can see"
            r"|notices?))\b[^.]{0,40}"
            r"\b(?:marks|cuts|scars|scabs)\b|\b(?:marks|cuts|scars) (?:fae|from|on) (?:the weekend|last night"
            r"|yesterday)\b",
            r"\b(?:sharpener|pencil sharpener|razor|craft knife|stanley) blades?\b|\bblades? (?:hidden|hid"
            r"|stashed) in\b",
            r"(?<!\bpeople who )(?<!\bthose who )(?<!\bkids who )(?<!\bfolk who )\bself[- ]?harm",
            r"\b(?:been |started |start )?cutting (?:again|myself|my)\b",
            r"\b(?:burns?|cuts?|marks?|scars?) on my \w+ (?:are|is|were|was) (?:from )?(?:me|myself|mine|my own"
            r" doing)\b",
            r"\btook (?:a bunch of|a handful of|a load of|loads of|all (?:of )?my|too many|extra|a box of|a packet of)"
            r" (?:my )?"
            r"(?:pills|tablets|meds|paracetamol|medication)\b",
            r"\b(?:hurt|hurting|harm|harming|cut|cutting|burn|burning|starv\w*) (?:my ?self|myself)\b",
            r"\bcut(?:ting)? my (?:arms?|legs?|wrists?|skin)\b(?!.*\b(?:shaving|by accident|accidentally|on (?:a|the)"
            r" (?:fence"
            r"|glass|tin|knife|wire|rock)|at (?:work|football|the beach))\b)",
            r"\b(?:burn(?:t|ed|ing)?|scratch(?:ed|ing)?) my (?:arms?|legs?|wrists?|skin|hands?|thighs?)\b"
            r"(?! (?:on|off|with|at|in|when|while|making|cooking|baking) (?:the |a |my )?(?:oven|hob|kettle|iron|pan"
            r"|stove|tray"
            r"|straighteners|cooker|toaster|grill|bbq|barbecue|candle|work|pancakes|tea|dinner))",
            r"\b(?:punch(?:ed|ing)?|hit(?:ting)?|bang(?:ed|ing)?|bit(?:e|ing)?|scratch(?:ed|ing)?) my ?self\b",
            r"\b(?:drink|drinking|drank) (?:til|till|until|to) (?:i|the point i) (?:black|pass)(?:ed)? out\b",
            r"\b(?:holding|hid|hide|hidden|found|carry|carrying|got|bought) (?:the |a |my |some )?"
            r"(?:blades?|razors?)\b",
            r"\b(?:cut|cutting) again\b|\bwhen i cut\b|\bcut last night\b|\bsh again\b",
            r"\bdoing it on my (?:arms?|legs?|wrists?|thighs?|stomach)\b",
            r"\bmy (?:arms?|legs?|wrists?|thighs?) (?:are|is) (?:a |in a |all )?(?:mess|cut|marked|scarred)\b",
            r"\bmy (?:arms?|legs?|wrists?|thighs?|stomach|body|skin) (?:are |is )?covered in (?:cuts|scars|marks|burns"
            r"|scratches)\b"
            r"|\bcuts (?:that )?(?:nobody|no one|naebody) knows about\b",
            r"\bmade my ?self (?:throw up|sick|bleed|starve)\b|\bmake my ?self (?:throw up|bleed)\b",
            r"\bpunish my ?self\b|\bhit(?:ting)? my (?:own )?head\b",
            r"\b(?:scratch|pick|bit|bite|dig)\w* (?:till|until) it bleeds\b",
            r"\bbang(?:ed|ing)? my head (?:off|against|on) (?:the|a) wall\b",
            r"\bmarks on my (?:arms?|legs?|wrists?|thighs?)\b|\b(?:the|my) cuts\b",
            r"\bonly way i (?:can )?feel (?:anything|something)\b",
            r"\boverdos\w*\b",
            r"\b(?:want|need|urge|urges|wanting|needing) to (?:cut|burn myself|self harm|hurt myself)\b"
            r"(?! (?:my (?:hair|fringe|nails|losses)|down|back|out|in|off|the|your|it|class|school|ties|costs|them|him"
            r"|her))",
            r"\b(?:razor|blade)s? (?:out|again)\b|\bgot the (?:razor|blade)s?\b",
            r"\b(?:done|did) something (?:stupid|bad) to (?:my|me)\b",
            r"\bblades?\b.*\b(?:wrists?|arms?|legs?|thighs?|skin)\b|\b(?:on|to|into) my wrists?\b",
            r"\bstopped eating\b.*\bpunish\b|\bpunish (?:my body|it)\b|\bcarv(?:e|ed|ing) (?:into|in|on)\b"
            r"|\bmake my ?self sick\b|\bstarv(?:e|ing) my ?self\b|\bpull my hair out\b(?!.*\b(?:lol|haha|homework|exam"
            r"|maths)\b)",
            r"\btook (?:a load of|loads of|all my) (?:pills|tablets)\b",
        ),
    ),
    (
        "abuse or violence",
        (
            r"\b(?:says|said) (?:she|he|they) (?:fell|walked into|tripped|banged)\b[^.]*\.?\s*(?:she|he|they) "
            r"(?:didn'?t|didnae|did not|never)\b",
            r"\bmarks on (?:her|his|their) (?:face|arms?|neck|legs?)\b",
            r"\b(?:a |another )?domestic (?:at|in) (?:my|ma|our|the) (?:\w+'?s?|house|hoose|flat)\b",
            r"\b(?:put|locked|shut|sent) (?:me )?in (?:the|a) (?:cupboard|shed|cellar|garage|coal hole)\b",
            r"\bif i (?:tell|told|say|said) (?:u|you|ye|yous|someone|anyone) what happens? (?:at night|at home"
            r"|in the house"
            r"|when)\b",
            # Food kept from them; an injury explained away ("said I walked into a door. I didn't").
            r"\b(?:pad)?lock(?:ed)? on (?:the )?(?:fridge|food|cupboards?|kitchen)\b|\b(?:fridge|food cupboard"
            r"|cupboards?"
            r"|kitchen) (?:has|have|has got|got) a (?:pad)?lock\b",
            r"\b(?:walked into a door|fell down the stairs)\b[^.]{0,4}\.?\s*i (?:didn'?t|didnae|did not|never)\b"
            r"|\b(?:said|told \w+(?: \w+)?|tell \w+|say) (?:that )?i (?:walked into|fell|tripped)\b[^.]*\.?\s*"
            r"(?:i )?(?:didn'?t|didnae|did not|never|i lied|it wasnae|it wasn'?t)\b",
            rf"\b{_HURT_VERB} (?:me|us)\b",
            # Another child being hurt: "her boyfriend's been hitting him".
            rf"\b(?:been |keeps |kept |always )?{_HURT_VERB} (?:him|her|them|my wee \w+|the wean|the baby)\b"
            r"(?! (?:wrist|ankle|knee|back|leg|arm|foot|hand|finger|neck|shoulder|head|feelings?|toe)\b)",
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
            r"\bno (?:heating|electric|gas) (?:and|or) (?:no )?food\b|\bno food (?:and|or) (?:no )?(?:heating|electric"
            r"|gas)\b",
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
            r"\bthreaten(?:s|ed|ing)? (?:me|to)\b(?! (?:ground|take (?:my|ma|away)|confiscate|cancel|stop (?:my"
            r"|ma) pocket"
            r"|tell (?:my|ma) (?:sw|social worker|worker|carer|teacher)|phone (?:my|ma) (?:sw|carer|school)|report)\b)",
            r"\b(?:stab|stabbed|knife|knifed|weapon)\b(?! crime| skills)",
            r"(?<!\bnot )\b(?:scared|feart) (?:of|to go) (?:him|her|them|going home|home|hame|my (?!(?:driving|exams?"
            r"|tests?|results|interview"
            r"|dentist|appointment|review|first|new|old|own|phone|spider|dog|cat)\b)\w+)\b",
            r"\blocked me in\b",
            r"(?<!\bwe )(?<!\bteam )(?<!\bthey )\b(?:getting|gets|got|being|been|was|were|is) (?:hit|battered|beaten"
            r"|punched"
            r"|kicked|slapped|leathered)\b(?! \d)"
            r"(?! (?:out|off|up|in (?:sparring|training|football|rugby|hockey|the game|a match|boxing|kickboxing|karate"
            r"|judo|mma|class|the ring)|by (?:a|the) (?:ball|swing|door|car|bike|branch|wave|football|puck|frisbee"
            r"|bus)))",
            r"\bbruis(?:e|es|ed|ing)\b(?!.*\b(?:at|in|during|playing|off the ball at|from|fae|after) (?:hockey|football"
            r"|rugby|training|netball"
            r"|pe|the gym|boxing|shinty|basketball|sparring|dance|gymnastics|the trampoline park|trampolining)\b)"
            r"(?! (?:off|from|fae) (?:the |a )?(?:ball|puck|stick|bat|racket|goalpost))"
            r"(?! my (?:knee|shin|elbow|toe|foot|ankle|hip|bum|leg|knuckles?) (?:at|on|playing|doing"
            r"|falling|in|when i (?:fell|tripped))\b)"
            r"(?!(?: is| are| was| were)? (?:from|fae) (?:hockey|football|rugby|training"
            r"|sparring|the gym|pe|falling|a fall)\b| after (?:rugby|football|hockey|training|the game|pe|boxing)\b)",
            r"\brestrain(?:ed|s|ing)? me\b",
            r"\b(?:bit|bites) me\b(?!.*\b(?:lol|haha|teething|(?:he'?s|she'?s|is) [1-4]\b))",
            r"\b(?:push(?:ed|es)?|shov(?:ed|es)|thr(?:ew|ows)|dragg?(?:ed|s)) me (?:down|into|against|over|out|off"
            r"|across|about|around|up)\b",
            r"\b(?:they're|theyre|they are|he's|hes|he is|she's|shes|she is|someone's|someone is|people are|is|are"
            r"|was|were) (?:coming|gonna come|going to come) (?:for|after) me\b|\bcame (?:for|after) me\b",
            r"\b(?:find|found|finds|know|knows) (?:out )?where i (?:stay|live|am)\b",
            r"\b(?:took|takes|taking|take) (?:photos|pictures|pics|videos) of me (?:in the (?:bath|shower)|naked"
            r"|getting changed"
            r"|undressed|sleeping|in bed)\b",
            r"\b(?:scared|afraid|terrified|feart) (?:that )?(?:he|she|they)(?:'ll| will| is going to|'s going to|'re"
            r" going to"
            r"|'d) (?:kill|hurt|batter|stab|strangle)\b",
            r"\bmade to (?:have sex|do (?:stuff|things)|touch|sleep with|watch)\b|\bforced (?:himself|herself) on me\b",
            r"\b(?:be back|coming back|come back) (?:for|after) (?:me|us)\b",
            r"\b(?:they'?ll|they are going to|they're going to|he'?ll|she'?ll|people are going to) (?:jump|batter|do in"
            r"|get) (?:me|us)\b"
            r"(?! (?:a|an|some|the|one|tickets?|back|up|home|there|in|something|anything)\b)(?!.*\b(?:lol|haha)\b)",
            r"\btouch(?:es|ed|ing) (?:her|him)\b(?! (?:hair|hand|arm|shoulder|stuff|things|phone))",
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
            r"\b(?:mum|dad|da|carers?|parents?|she|he)\b (?:\w+ )?(?:didn't|did not|never|hasn't|has not|not|hasnae"
            r"|didnae)"
            r" (?:come|came|been) (?:home|back)\b(?!.*\b(?:from (?:work|holiday|hospital)|yet)\b)",
            r"\bno food for (?:the |my |our )?(?:weans|kids|wee ones|baby|bairns|us|wee (?:brothers?|sisters?)"
            r"|brothers?"
            r"|sisters?)\b",
            r"\b(?:made|makes|make|forced) me do (?:stuff|things|something)\b.*\b(?:didn't|did not|don't|didnae)"
            r" want\b",
            r"\b(?:no|not|hasn't|haven't) (?:made|had|cooked) (?:any )?(?:dinner|tea|food) (?:in|for) (?:like )?"
            r"(?:a|\d+|two|three) (?:days?|weeks?)\b",
            r"\block(?:ed|s)? me out\b",
            r"(?<!\bwater )(?<!\bnerf )(?<!\btoy )(?<!\bglue )(?<!\bspray )\bgun\b",
            r"\bscared to (?:come|go) out (?:of )?my room\b",
            r"\bfirst time (?:saying|telling|i've told|i have told)\b",
            # A first disclosure: "never told anybody til now".
            r"\bnever told (?:anyone|anybody|naebody|a soul|no one)\b",
            r"\bwon'?t let me (?:eat|leave|out|go out|see anyone|see my (?:pals|friends|mates|family))\b",
            r"\b(?:keep|keeps|kept) (?:me|us) (?:locked )?in (?:my|our|the) room\b|\bonly let(?:s)? (?:me|us) out\b",
            r"\bmade me (?:watch|look at) (?:videos|vids|pictures|pics|porn|stuff|things)\b",
            r"\b(?:mum|mam|maw|dad|da|carers?|parents?|she|he)\b[^.]{0,30}\bspends? (?:it |all the money |the money "
            r"|all "
            r"our money )?(?:all )?on (?:drink|drugs|the gear|booze|bevvy|the bevvy)\b",
            r"\b(?:wishes|wished|wish) (?:she|he|they) (?:had |'d )?(?:aborted|got rid of) me\b",
            r"\b(?:leaves?|left) (?:me|us|my \w+(?: \w+)?)(?: and my \w+(?: \w+)?)? (?:alone|on (?:my|our|their) own)"
            r" (?:for|all) (?:days|night|the weekend|weekends|\d+ days)\b|\bleft on (?:their|his|her|our|my) own"
            r" (?:all night|for days|overnight)\b",
            r"\bforc(?:es|ed|ing) (?:me|her|him) to (?:have sex|do (?:stuff|things)|touch|watch|sleep with|give)\b"
            r"|\bforces (?:me|her|him)\b",
            r"\bpa?edo(?:phile)?s?\b|\bnaked (?:people|pictures|pics|photos|videos)\b|\bpictures of (?:himself"
            r"|herself)\b",
            r"\bheld (?:him|her|them) down\b",
            r"\b(?:push|pushes|pushed|held|holds|hold|shoves|shoved) my head (?:under|down|into)\b",
            r"\b(?:kill|hurt|batter|murder|do) me if i (?:leave|go|try to leave|dump)\b",
            r"\b(?:will|'ll|going to|is going to|are going to) (?:batter|leather|hit|hurt|skelp|beat|belt|stab|jump)"
            r" (?:me|us)\b"
            r"(?! for (?:wearing|eating|taking|borrowing|using|breaking|losing|nicking))(?!.*(?:\blol\b|\bhaha|😂|🤣))",
            r"\b(?:can't|cannot|too scared to|scared to) go (?:back )?home\b(?!.*\b(?:bus|train|traffic|snow|strike"
            r"|work"
            r"|shift)\b)",
        ),
    ),
    (
        "exploitation or grooming",
        (
            r"\bdrop (?:stuff|things|bags|packages|parcels|it) off (?:for|tae) (?:him|them|her|some)\b",
            r"\b(?:pal|friend|mate|guy|boyfriend|man)\b[^.]{0,15}\b(?:who'?s|whos|is|that'?s|thats|aged) (?:[2-5]\d)\b"
            r"[^.]{0,60}\b(?:money|phone|gifts?|vapes?|drink|lifts?|drop|stuff)\b",
            r"\b(?:keeps|kept|keep) (?:cornering|cornerin|following|followin|touching|touchin|grabbing) me\b",
            # A debt put on them for a lost package: the way young people are held in county lines.
            r"\b(?:debt|owe|owing)\b[^.]{0,40}\b(?:package|parcel|bag|gear|stash|the food|drugs)\b"
            r"|\b(?:lost|dropped|took|robbed|nicked)\b[^.]{0,20}\b(?:package|parcel|gear|stash)\b[^.]{0,40}\b(?:owe"
            r"|debt"
            r"|pay (?:it|them|him) back)\b",
            r"\b(?:asking|asked|asks|wants|wanted) (?:me )?for (?:pics|pictures|photos|nudes|nudies)\b",
            r"\bsend (?:him|her|them) (?:pics|pictures|photos|nudes)\b",
            r"\bnudes?\b",
            r"\bgroom\w*\b",
            r"\bolder (?:boy|boys|man|men|guy|guys|girl|girls|woman|lads?)\b"
            r".*\b(?:messag|texts?|snap|pics|money|gifts?|lifts?|drink|party|meet|buy)",
            r"\b(?:made|make|making|makes) me (?:hold|carry|sell|deliver|move|drop off|keep)\b",
            r"\bcounty lines\b",
            r"\b(?:picked up|picking (?:her|him|me|us) up|picks (?:her|him|me|us) up)\b.*\bolder\b|\bolder (?:men"
            r"|guys)\b.*"
            r"\b(?:picked|pick|every night|car|flat|party|parties)\b",
            r"\b(?:got|have|has|had|keep|keeps) me (?:selling|dealing|running|holding|carrying|moving|dropping)\b",
            r"\b(?:selling|dealing|running) (?:drugs |gear |weed |stuff )?for (?:them|him|some (?:guys|boys|men|older)"
            r"|older)\b",
            r"\b(?:selling|dealing|running|owe|gang|for them)\b.*\bcan'?t get out\b",
            r"\bpay (?:\w+ ){0,3}(?:in )?(?:other|another) ways?\b",
            r"\basking what i(?:'m| am) wearing\b|\bif my carers are (?:in|out|home|asleep)\b",
            r"\brun(?:ning)? (?:gear|drugs|packages|parcels)\b|\bplugging\b",
            r"\btrains? to places i (?:don't|didn't) know\b",
            r"\b(?:don't|didn't) (?:even )?know (?:their|his|her) names?\b",
            r"\b(?:money|cash|paid) for (?:sex|pics|photos|stuff)\b|\bfor sex\b",
            r"\bin (?:his|her|their) (?:20s|30s|40s|50s|twenties|thirties|forties|fifties)\b",
            r"\b(?:send|sending|sent) (?:him |her |them )?(?:vids|videos)\b|\b(?:says|said) (?:he'?ll|she'?ll|they'?ll)"
            r" pay\b",
            r"\b(?:doing|do|did) (?:drops|runs|deliveries) for\b|\brunning for (?:them|him|some (?:guys|boys|men"
            r"|older))\b",
            r"\bsend(?:s)? me (?:to \w+ )?with (?:stuff|bags|packages|gear|drugs)\b",
            r"\b(?:1[0-5])\b.*\b(?:with|seeing|dating|going out with|sleeping with|shagging) (?:a |an )?(?:1[89]"
            r"|[2-5]\d) ?"
            r"(?:yr|year)s? old\b",
            r"\bhave to do (?:stuff|things|favours) for\b|\bwoke up (?:with )?(?:no clothes|naked|without (?:my"
            r" )?clothes)\b",
            r"\bunless i send\b|\b(?:share|send|post)\w* (?:them|it|my \w+) to every(?:one|body)\b",
            r"\bwants? me to come (?:to|round to|back to) (?:his|her|their) (?:flat|house|place)\b",
            r"\bour (?:wee |little )?secret\b|\b(?:i'm|i am) (?:his|her) favourite\b",
            r"\bwants? to meet (?:me|up) (?:outside|after|away from) (?:school|the unit|class)\b",
            r"\bwork (?:it|the debt|that) off\b|\bowe (?:the |a )?dealers?\b",
            r"\b(?:hold|carry|keep|drop) (?:a |the )?(?:bag|package|parcel)s? for\b",
            r"\b(?:staying|stayed|sleeping|slept) at (?:some|a|this) (?:guy|man|boy|lad|older \w+)'?s (?:flat|house"
            r"|place)\b",
            r"\b(?:moved|moving|taken|took|taking) (?:about|around|me) (?:\w+ )?by older\b",
            r"\bexpect(?:s|ed)? (?:stuff|things|favou?rs|something|sex)\b",
            r"\b(?:men|guys|older \w+) for (?:money|cash|drink|drugs)\b",
            r"\b(?:keep|keeps|took|take|has|have|got) my bank card\b|\bmy account that (?:isn't|isnt) mine\b",
            r"\bwatching (?:my|the) (?:flat|house|close|door)\b|\bgetting done in\b",
            r"\bvideos?\b.*\b(?:don't|didn't) want to see\b",
            r"\b(?:1[0-5])\b.*\b(?:[2-5]\d) ?(?:yr|year)s? old (?:man|guy|boy|woman)\b",
            r"\b(?:don't|can't|cannot|didn't) remember (?:the end of )?(?:the|last) night\b",
            r"\bmet (?:him |her |them )?online\b",
            r"\bspiked (?:me|my drink)\b|\bno idea how i got (?:there|home|here)\b|\bwoke up (?:on|in) (?:a|some)"
            r" stranger'?s\b",
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
            r"\b(?:stopping|staying|stayin|stoppin|sleeping|kipping|dossing) (?:at|wi|with) (?:different |random "
            r"|some )?"
            r"(?:folks?|people|guys|men|boys|strangers)\b[^.]{0,40}\b(?:don'?t|dont|dinnae) (?:really )?know\b",
            r"\b(?:anywhere|somewhere|place) (?:open|to go|to sleep|warm|to stay) all night\b|\bfreezing in the park\b",
            r"\b(?:no|nae|not|never) (?:going|goin|gonna go) back (?:to|tae) (?:the |my |ma )?(?:unit|placement|carers?"
            r"|house|hoose|foster \w+)\b",
            r"\b(?:i'?ve|ive|i have|we'?ve|weve|i) (?:run|ran) off\b|\bnot saying where (?:i am|we are|i'?m|we'?re)?\b",
            r"\bnot (?:coming|comin) back\b[^.]{0,30}\b(?:don'?t|dont|dinnae|no point) (?:bother|look|try)\w*",
            r"\bwhere (?:can|do|would|could) (?:a|i|u|you) (?:\d\d year old |young person )?(?:sleep|stay|go)\b"
            r"[^.]{0,40}\btonight\b",
            # Lost and alone, or nowhere to sleep but a bus.
            r"\b(?:don'?t|do not|dont|dinnae|didn'?t|idk|no idea)(?: know)? where i am\b",
            r"\bsleep\w* on (?:the )?(?:buses|bus|trains?|night bus)\b",
            r"\b(?:ran|run|running|runnin) away\b(?! with (?:the|it)\b| to the (?:beach|seaside|sun|coast)\b"
            r"| from (?:a |the )?(?:spider|wasp|bee|dog|cow|goose|clown|ghost|ball)s?\b)",
            r"\b(?:do|doing|did|done) a runner\b(?! (?:from|fae) (?:the )?(?:restaurant|chippy|cafe|taxi))",
            r"\b(?:sleep\w*|slept|kip\w*|living|stay\w*) (?:in|on) (?:a|the|my) (?:car|van|tent|shed|stairwell|park"
            r"|street"
            r"|close|bus station|train station|bench|stairs|doorway|bus shelter|bus|night bus)\b"
            r"(?!.*\b(?:festival|camping|scouts|guides|holiday|dofe|duke of edinburgh|trip|for fun|for a laugh"
            r"|garden)\b)",
            r"\b(?:haven't|have not|not) been (?:home|back) (?:since|for)\b",
            r"\b(?:not|haven't|havent|never) (?:been )?back (?:to|at) (?:the |my )?(?:placement|unit|carers?|foster \w+"
            r"|house|home)"
            r" (?:since|for)\b",
            r"\b(?:kicked|put|thrown|chucked|flung) (?:me )?out\b.*\bnowhere\b|\bnowhere (?:safe )?to (?:go|sleep|stay)"
            r" tonight\b",
            r"\b(?:go|going|went|gone) missing\b(?!.*\bfor (?:five|ten|two|\d+|a few|a couple of) (?:minutes|mins"
            r"|seconds)\b)",
            r"\bsleeping (?:rough|on the street|outside)\b",
            r"\b(?:ran|run|running|took|bolted|legged it) (?:off |away )?(?:from|out of|out) (?:the|my) (?:unit"
            r"|placement|house"
            r"|home|carers?|foster \w+|hostel|resi)\b(?! (?:to (?:catch|get)|for the bus|because i was late))",
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
            r"\blegged it (?:from|fae|out of) (?:the|my) (?:unit|placement|house|home|carers?|foster \w+)\b",
            r"\b(?:i'm|i am|we're|stuck|living) (?:in|on) (?:a|the) (?:tent|bus shelter|doorway|stairwell|street"
            r"|streets)\b"
            r"(?!.*\b(?:festival|camping|scouts|guides|holiday|dofe|duke of edinburgh|trip|for fun|garden)\b)",
            r"\b(?:left|walked out of|ran out of|legged it fae|legged it from) (?:the|my) (?:unit|placement|house|home"
            r"|carers?|foster \w+)\b.*\b(?:not|haven't|havent|never|no) (?:been |gone )?back\b",
        ),
    ),
    (
        "feeling unsafe",
        (
            r"\bsleep\w* (?:wi|with|in) (?:my|ma) (?:shoes|trainers|clothes|jacket|coat) on\b",
            r"(?<!\bnot )(?<!\bnever )\bunsafe\b",
            r"\b(?:not|never|no) (?:feel |feeling )?safe\b",
            r"\b(?:do not|don't|dont|doesn't|doesnt|never) feel safe\b",
            r"\bnot safe\b",
            # "in danger", but not of failing English or of being late.
            r"\b(?:i'm|i am|i feel|feel|feeling|we're|we are|i was|i could be|i might be|my life is|my life's|put me"
            r"|putting me"
            r"|puts me|i think i'm|he's|she's|they're|am i|we|i)(?: \w+)? in danger\b"
            r"(?! of (?!(?:being|getting) (?:hurt|killed|attacked|battered|stabbed|jumped|found))\w+)",
            r"\b(?:no|not any|isn't any|there's no|nae) (?:safe place|where safe)\b",
            r"\b(?:said|says|told me|saying) (?:i'm|i am|you're|youre|i'll be) next\b|\bthrough (?:my|our|the)"
            r" window\b",
            r"\b(?:burn|set fire to) (?:the|my|our) (?:house|flat|hoose|door)\b",
            r"\bpulled a (?:knife|blade|gun)\b|\btrying my door\b|\btries my door\b",
            r"\bscared (?:stiff |to death |out my mind )?to go (?:home|hame|back)\b",
            r"\bscared for my life\b",
            r"\b(?:in case|scared|terrified|afraid) (?:he|she|they) (?:comes?|come|gets?|get) (?:in|into my room|back"
            r"|home|in my"
            r" room)\b",
            r"\b(?:scared|terrified|feart|afraid|frightened) to (?:go to sleep|go out|go outside|go home|leave|sleep"
            r"|open the"
            r" door)\b",
            r"\b(?:hangs?|hanging) (?:about|around) outside\b.*\bwatching\b",
        ),
    ),
)


class _Rules:
    """One category's patterns, each run only when a word it cannot match without is in the message: a few hundred
    substring tests instead of every pattern at every position, which keeps screening fast (`feedback analyse`
    reads a thousand messages a second). The gate never changes an answer, only skips patterns that could not
    match (a test checks this on every labelled message)."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.always: list[re.Pattern[str]] = []
        gated: dict[str, list[re.Pattern[str]]] = {}
        for pattern in (piece for whole in patterns for piece in _alternatives(whole)):
            compiled = re.compile(pattern)
            needs = _required_text(pattern)
            if needs is None:
                self.always.append(compiled)
            else:
                for literal in needs:
                    gated.setdefault(literal, []).append(compiled)
        # Each piece of text under its first three characters: a message's three-character pieces pick out the few
        # worth testing.
        self.index: dict[str, list[tuple[str, list[re.Pattern[str]]]]] = {}
        for literal, compiled_patterns in gated.items():
            self.index.setdefault(literal[:3], []).append((literal, compiled_patterns))
        self.keys = frozenset(self.index)
        self.patterns = patterns

    @property
    def combined(self) -> re.Pattern[str]:
        """All the patterns as one, ungated: what the gate must always agree with."""
        return re.compile("|".join(f"(?:{p})" for p in self.patterns))

    def candidates(self, text: str) -> list[re.Pattern[str]]:
        found = list(self.always)
        for gram in self.keys.intersection(_trigrams(text)):
            for literal, patterns in self.index[gram]:
                if literal in text:
                    found.extend(pattern for pattern in patterns if pattern not in found)
        return found

    def search(self, text: str) -> bool:
        return any(pattern.search(text) for pattern in self.candidates(text))

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        for pattern in self.candidates(text):
            yield from pattern.finditer(text)


@lru_cache(maxsize=8)
def _trigrams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 3] for i in range(len(text) - 2))


def _alternatives(pattern: str) -> list[str]:
    """A pattern split at its top-level "|", so that each alternative is gated on its own words."""
    pieces: list[str] = []
    depth = start = 0
    in_class = escaped = False
    for i, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            pieces.append(pattern[start:i])
            start = i + 1
    pieces.append(pattern[start:])
    return pieces


def _required_text(pattern: str) -> frozenset[str] | None:
    """Pieces of text of which a match of ``pattern`` must contain at least one, or None when none can be found
    (the pattern then always runs). Read from the parsed pattern, so it is exact, never a guess."""
    try:
        parsed = _parser.parse(pattern)
    except re.error:  # an unreadable pattern is simply never gated
        return None
    needs = _required(list(parsed))
    if needs is None or min(len(piece) for piece in needs) < 3:
        return None
    return needs


def _required(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    best: frozenset[str] | None = None

    def consider(candidate: frozenset[str] | None) -> None:
        nonlocal best
        if candidate is None:
            return
        if best is None or (min(map(len, candidate)), -len(candidate)) > (min(map(len, best)), -len(best)):
            best = candidate

    run: list[str] = []
    for op, value in items:
        if op is _constants.LITERAL:
            run.append(chr(value))
            continue
        if run:
            consider(frozenset({"".join(run)}))
            run = []
        if op is _constants.SUBPATTERN:
            consider(_required(list(value[-1])))
        elif op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT) and value[0] >= 1:
            consider(_required(list(value[2])))
        elif op is _constants.BRANCH:
            branches = [_required(list(branch)) for branch in value[1]]
            if all(branch is not None for branch in branches):
                consider(frozenset().union(*branches))  # type: ignore[arg-type]
    if run:
        consider(frozenset({"".join(run)}))
    return best


_COMPILED = tuple((category, _Rules(patterns)) for category, patterns in _RULES)

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
    r"|\b(?:so|that) \w+ (?:that )?i (?:want|wanted|could(?: have)?) (?:to )?die\b"
    r"|\bi (?:wanted|could have|could've|nearly|want) (?:to )?died? (?:when|of|from|at)\b"
    r"(?=.*(?:😂|🤣|💀|\blol\b|\bhaha))"
)


# Figures of speech and everyday happenings that share words with the rules, taken out of the text before the risk
# rules run: a team "battered 5-0", the dog that "ran away", going "missing" from maths, a brother "kicking me under
# the table".
_EVERYDAY_HARM = re.compile(
    r"\b(?:we|team|side|club|they|us|the boys|the girls)\b (?:\w+ )?(?:got|get|were|was|been|getting) (?:absolutely "
    r"|pure "
    r"|well )?(?:battered|hammered|thrashed|beaten|slaughtered|destroyed|humped|pumped)\b"
    r"|\b(?:my |our |the )?(?:dog|cat|puppy|kitten|hamster|rabbit|budgie|pet|horse|tortoise|snake)\b (?:\w+ )?(?:ran"
    r"|run|went"
    r"|has gone|gone|goes|is|was) (?:away|missing)\b"
    r"|\b(?:went|go|going|gone) missing (?:from|fae|out of) (?:class|school|maths|english|pe|registration|lessons?|the"
    r" lesson"
    r"|science|french|history|geography|art|the group chat|group chat|the chat|the game|the call)\b"
    r"|\bkick(?:ed|s|ing)? me under the table\b"
    r"|\b\d+ ?- ?\d+\b[^.]*\b(?:battered|hammered|thrashed|beaten|slaughtered|humped)\b"
    r"|\b(?:battered|hammered|thrashed|beaten|slaughtered|humped)\b[^.]*\b\d+ ?- ?\d+\b"
    r"|\b(?:dog|cat|puppy|kitten|hamster|rabbit|guinea pig|baby|toddler|horse|parrot|budgie|snake)\b (?:\w+ )?(?:bit"
    r"|bites"
    r"|scratched|scratches|kicked|kicks) (?:me|my \w+)\b"
    r"|\b(?:my )?(?:wee |big |little )?(?:brother|sister|pal|mate|cousin)\b[^.]{0,40}\b(?:for a laugh|messing|play"
    r" ?fight\w*"
    r"|carrying on|mucking about)\b"
    # A sibling's thump over crisps, laughed off in the same breath.
    r"|\b(?:my )?(?:wee |big |little )?(?:brother|sister|bro|sis)\b[^.]{0,80}\b(?:we'?re fine|were fine|we'?re good"
    r"|were good|we'?re sound)\b[^.]{0,10}(?:\blol\b|\bhaha\w*|😂|🤣)"
    r"|\bdrown(?:ing|in'?) in (?:coursework|homework|work|emails|essays|revision|washing|assignments|exams)\b"
    r"|\bdared? (?:me|us|him|her) (?:to|tae) jump\b[^.]*"
    r"|\bstabb?(?:ed|ing)? (?:me )?(?:wi|with) (?:a|the) (?:needle|pin|fork|pencil|compass)\b[^.]*"
    r"|\brunning away\b[^.]{0,40}\b(?:jk|only joking|just kidding|joking)\b"
    r"|\b(?:fell|tripped|slipped|walked into|bumped into|banged into|fell off)\b[^.]*\bbruis\w*[^.]*"
    r"|\b(?:my )?(?:wee |big |little )?(?:brother|sister|pal|mate|cousin|mum|dad|carer|gran)'?s? (?:is )?(?:going to"
    r"|will|'ll)"
    r" (?:kill|murder|batter|strangle|leather|skelp) me\b(?= for (?:wearing|eating|taking|borrowing|using|breaking"
    r"|losing"
    r"|nicking|being late)|.*(?:\blol\b|\bhaha|😂|🤣))"
    r"|\b(?:my |the |our )?(?:phone|bag|keys|wallet|purse|jacket|coat|bike|charger|headphones|airpods|shoes?|trainers"
    r"|homework"
    r"|card|bus pass|parcel|money|remote)\b (?:\w+ )?(?:went|has gone|gone|is|was|goes|keeps going) missing\b"
    # A threat nobody means: "gonna strangle my brother, he ate my chips".
    r"|\b(?:going to|i'll|i will|i'd|could|i could|want to|wanna) (?:\w+ )?(?:strangle|kill|murder|batter|punch|kick"
    r"|slap"
    r"|leather|throttle) (?:my|ma) (?:wee |big |little )?(?:brother|sister|bro|sis|pal|mate|cousin|carer|mum|dad)\b"
)
# Games and films: "got stabbed in GTA". The sentence that names one is left out.
_GAMES = re.compile(
    r"\b(?:in|on|playing) (?:gta|fortnite|cod|call of duty|minecraft|roblox|fifa|warzone|apex|valorant|the game|the"
    r" film"
    r"|the movie)\b"
)


def _everyday_left_out(clean: str) -> str:
    """The message without denials of harm, figures of speech and everyday mishaps, for the rules to read."""
    clean = _EVERYDAY_HARM.sub(" ", _DENIED_HURT.sub(" ", clean))
    if _GAMES.search(clean):
        clean = ". ".join(sentence for sentence in clean.split(".") if not _GAMES.search(sentence))
    return clean


class Tier(StrEnum):
    RISK = "risk"
    CONCERN = "concern"


# What may show risk of harm (urgent), and what is a concern (a worker should read it today), by category name. The
# names are shown to staff, logged and counted: never a message's words.
LEARNED = "possible risk (learned words)"
LEARNED_CONCERN = "possible concern (learned words)"
ASKING_FOR_HELP = "asking for help"
RISK_CATEGORIES: tuple[str, ...] = (*(category for category, _ in _RULES), LEARNED)
CONCERN_CATEGORIES: tuple[str, ...] = (
    ASKING_FOR_HELP,
    "possible disclosure",
    "not believed",
    "worry about someone else",
    "drinking or drugs to cope",
    "low mood",
    "bullying or threats",
    "going without food or heating",
    "nowhere settled to stay",
    LEARNED_CONCERN,
)
# How soon a worker must act, 1 first: the rest of the app orders alerts by it.
SEVERITY: dict[str, int] = {
    "suicide": 1,
    "self-harm": 1,
    "abuse or violence": 2,
    "exploitation or grooming": 2,
    "feeling unsafe": 3,
    "going missing": 3,
    LEARNED: 3,
    **dict.fromkeys(CONCERN_CATEGORIES, 4),
}


@dataclass(frozen=True)
class Screening:
    """The result of screening one message. Two tiers: ``risk`` (urgent: an alert) and ``concern`` (a worker should
    read it today), ``concern`` being true whenever ``risk`` is. ``reasons`` are the risk categories (as before: what
    an alert gives as its reason); ``concern_reasons`` the concern categories found, whatever the tier."""

    risk: bool
    reasons: tuple[str, ...] = ()
    # The words the learned screen weighed most, for the worker reading the alert: never logged or counted.
    evidence: tuple[str, ...] = ()
    concern: bool = False
    concern_reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.risk and not self.concern:
            object.__setattr__(self, "concern", True)  # a risk is always a concern too

    @property
    def reason(self) -> str:
        return ", ".join(self.reasons)

    @property
    def tier(self) -> Tier | None:
        return Tier.RISK if self.risk else Tier.CONCERN if self.concern else None

    @property
    def severity(self) -> int | None:
        """1 for suicide and self-harm, 2 for abuse and exploitation, 3 for feeling unsafe and going missing (and a
        risk only the learned screen saw), 4 for a concern only; None when neither."""
        if self.risk:
            return min((SEVERITY.get(reason, 3) for reason in self.reasons), default=3)
        return 4 if self.concern else None

    @property
    def categories(self) -> tuple[str, ...]:
        """Every category found, most severe first."""
        found = (*self.reasons, *self.concern_reasons)
        return tuple(sorted(dict.fromkeys(found), key=lambda c: SEVERITY.get(c, 4)))

    @property
    def asks_for_help(self) -> bool:
        """The young person asks for help or for someone to contact them ("help me", "can my worker call me") with
        no everyday reason given: the reply says a worker will be in touch, with help numbers."""
        return ASKING_FOR_HELP in self.concern_reasons


# Risk that a young person says is over and known ("used to self harm but I've been clean 8 months") or denies in
# passing ("not suicidal or anything, just bored"). Anything less clear stays a risk: missing one is the worst
# failure, a false alarm costs a worker some minutes.
_RESOLVED = re.compile(
    r"\bwhen i was (?:\d+|wee|younger|little)\b.*\b(?:years ago|ages ago|a long time ago)\b.*\b(?:happy|settled|fine"
    r"|good"
    r"|safe|sorted)\b|"
    r"\bused to\b.*\bbut\b.*\b(?:clean|haven't|havent|have not|not since|stopped|don't any ?more|dont any ?more"
    r"|no more|not any ?more|not in (?:a|\d+|ages)|doing (?:much |a lot |loads |way )?better"
    r"|doing (?:well|good|ok|okay|fine))"
    r"|\b(?:last year|years? ago|back then|when i was (?:\d+|wee|younger|little|a kid))\b.*\bbut\b.*\b(?:much better"
    r"|helped|settled|fine now|ok now|okay now|good now|doing (?:well|good|great))\b"
    r"|\bwhen i was \d+\b.*\b(?:i'm|im|i am) \d+ now\b|\bwhen i was \d+\b.*\bnow (?:i'm|im|i am) \d+\b"
    r"|\b(?:(?:\w+|\d+) )?(?:years?|months?|winters?|summers?) ago\b.*\b(?:got a (?:flat|place|home)"
    r"|(?:settled|safe|fine|okay|ok|better|good) now)\b"
    r"|\bused to\b.*\bbut\b.*\bsettled\b"
    r"|\bused to\b.*\b(?:settled now|safe now|know all about it|no anymore|no any more|nae mair)"
    r"|\b(?:it's|its|it has) been (?:\d+|a|two|three|four|five|six) (?:weeks?|months?|years?) since i (?:last )?"
    r"|\bused to\b.*\b(?:it's|its|it has) been (?:\d+|a|two|three|four|five|six|several|many) (?:weeks?|months?|years?)"
    r"|\bused to\b.*\bbut\b.*\b(?:been|i've been|i'm|i am) (?:fine|good|ok|okay|clean|well|better|grand|sound|happy"
    r"|safe"
    r"|settled|sober|dry)\b"
    r"|\bused to\b.*\bbut\b.*\b(?:helped|sorted|over now|in the past|behind me|brilliant|great|amazing|lovely)\b"
    r"|\b(?:got|been|was|all) dealt with\b|\bglad i'?m (?:still )?(?:here|alive)\b"
    r"|\b(?:is|he's|she's|they're|are) (?:now )?(?:in|locked up in) (?:jail|prison)\b.*\b(?:i'?m|i am) (?:fine|safe|ok"
    r"|okay"
    r"|happy|settled)\b"
    r"|\bat (?:1[0-9]|age \d+)\b.*\b(?:helped|better now|doing well)\b"
    r"|\b(?:when i was|years ago|last year|back then)\b.*\bnow (?:i'm|i am|im) (?:at|in|doing|settled|safe|happy|fine"
    r"|ok"
    r"|okay|good|great)\b"
    r"|\b(?:was|were) (?:really |so |pure )?(?:low|bad|rough|hard|dark)\b.*\b(?:last (?:year|month|week)|a while ago"
    r"|years? ago|in (?:first|second|third|s1|s2|s3|primary))\b.*\b(?:but|now)\b.*\b(?:better|helped|good|fine|ok|okay"
    r"|great)\b"
    r"|\b(?:had|went through) (?:a |some )?(?:rough|hard|dark|bad|tough) (?:time|patch|year|few years)\b.*\b(?:but"
    r"|now)\b"
    r".*\b(?:better|helped|good place|fine|ok|okay|great|doing well|happy)\b"
)
_DENIED = re.compile(
    r"\b(?:not|no|never been) (?:suicidal|going to hurt myself)\b or (?:anything|owt)\b"
    r"|\b(?:i'm|im|i am) not (?:thinking about|going to|gonna) (?:hurting|hurt|killing|kill) my ?self\b"
    r"|\bnot thinking about (?:suicide|killing myself|ending it)\b"
    r"|\b(?:i'm|im|i am) not (?:running|going to run) away\b"
    r"|\b(?:asked|asks|asking) (?:me )?(?:if|whether) i\b.*\b(?:naw|no|nah|nope),? i (?:don't|do not|dont|am not|i'm"
    r" not)\b"
    r"|\b(?:nobody'?s|nobody is|no one'?s|no one is|nobodys) grooming me\b"
)
# ...unless the same message asks for someone now: then a worker should know.
_URGENT = re.compile(r"\b(?:need (?:someone|somebody|help|to talk)|tonight|right now|please|scared)\b")
# ...unless they go on to say it is happening to them or someone they know.
_HAPPENING = re.compile(
    r"\b(?:happening|happened|happens) to (?:me|my|us)\b|\bthat'?s what'?s happening\b|\bthat'?s (?:me|my \w+)\b"
)
_TOPICS = (
    r"(?:grooming|exploitation|abuse|domestic abuse|consent|county lines|knife crime|drugs|online safety|self ?harm"
    r"|suicide|suicide prevention|mental health|healthy relationships|sexting|catfishing|overdoses?|drink|alcohol"
    r"|gangs|bullying|staying safe|coercive control|(?:a |the )?(?:girl|boy|kid|teenager|young person) who \w+)"
)
_ABOUT_SAFETY = re.compile(
    rf"\b(?:told|tell|telling|learn|learned|learnt|learning|taught|teach|talk|talked|talking|read|reading) (?:\w+ )?"
    rf"(?:\w+ )?about (?:online |the )?{_TOPICS}"
    r"|\bwent over what to do if\b|\b(?:learned|learnt|learn|taught us|showed us|know) what to do if\b"
    rf"|\bto talk about {_TOPICS}"
    r"|\b(?:a|the) (?:workshop|session|lesson|talk|assembly|class|course|documentary|programme|program|film|show|series"
    r"|book|podcast|video|episode|play|poster|leaflet|essay|project|presentation|level|mission|quiz) (?:on|about)\b"
    r"|\b(?:crime|safety|awareness|first aid|consent) (?:workshop|course|talk|session|week|day)\b"
    rf"|\b(?:workshop|session|lesson|talk|assembly|class|course|documentary|programme|presentation) (?:on|about)"
    rf" {_TOPICS}"
    r"|\b(?:documentary|programme|docuseries|podcast|drama|film|movie|book|novel|episode|series)\b.*\b(?:about|on)\b"
    r"|\b(?:pse|pshe|modern studies|media studies|guidance class|health class)\b"
    r"|\b(?:patients|fundraiser|fundraising|sponsored|volunteer\w*|charity)\b"
    r"|\b(?:essays?|project|presentation|assignment|poem|book report)\b.*\b(?:about|on)\b"
    r"|\b(?:session|workshop|talk|lesson|class) (?:\w+ ){0,3}(?:about|on)\b"
    r"|\b(?:watched|watching|reading|read|finished) (?:a|the|13|this) \w+(?: \w+)? (?:about|where|on)\b"
)

# A story on a screen or a page, told with nobody of their own in it: "the guy got stabbed in the first 5 mins".
_FICTION = re.compile(
    r"\b(?:episode|series|drama|film|movie|netflix|telly|tv|trailer|season \d+|novel|book|soap|eastenders|corrie"
    r"|river city|hollyoaks)\b"
)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|id|me|my|ma|mine|myself|us|we|our)\b")

# -- concern: not urgent, but a worker should read it today --------------------------------------------------------
_PERSON = (
    r"(?:mum|mam|maw|ma|mother|dad|da|father|step ?dad|step ?mum|brother|sister|bro|sis|wee (?:brother|sister|cousin"
    r"|one)"
    r"|big (?:brother|sister|cousin)|little (?:brother|sister)|baby (?:brother|sister)|brothers|sisters|siblings?|pal"
    r"|pals"
    r"|friend|friends|best friend|bestie|mate|mates|best mate|cousin|cousins|gran|granny|nana|papa|grandad|grandpa"
    r"|auntie"
    r"|aunt|uncle|girlfriend|boyfriend|bf|gf|flatmate|niece|nephew|wean|weans|kids?|child)"
)
_SOMEONE = r"(?:some ?one|somebody|sumbody|any ?one|anybody|sum ?1|some ?1|any ?1|naebody|no ?one|nobody)"
_WORKER = (
    r"(?:my (?:social )?worker|my sw|(?:my |the )?social work|my key ?worker|my advocate|my advocacy worker|my"
    r" throughcare"
    r" worker|my aftercare worker|my support worker|my youth worker|my carers?|my personal advisor|a worker|the worker"
    r"|staff|the staff|my leaving care worker|the (?:aftercare|throughcare|duty) team|the duty worker|(?:my|a|the) \w+"
    r" worker)"
)
_CONTACT = (
    r"(?:phone|call|ring|text|contact|bell|get in touch with|get back to|get hold of|speak to|talk to|see|visit|meet)"
)
_CONCERN_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        ASKING_FOR_HELP,
        (
            r"^\W*(?:please |pls |plz )?(?:help|sos)(?: me)?(?: please| pls| plz| now| asap)?\W*$|\bhelp{2,}\b"
            r"|\bhalp\b",
            r"\b(?:need|needing|want|wanting|could do with|looking for) (?:some |sum |your |ur |a bit of |real |proper"
            r" )?help\b",
            rf"\b{_SOMEONE} (?:please |pls )?help(?: me)?\b(?:\W*$| please| pls| now| asap| i\b| i'm\b)",
            r"\bhelp me\b(?!(?: to)? (?:with|pick|choose|decide|find|fill|sort|get|write|do|make|understand|apply|set"
            r"|work|learn"
            r"|move|pay|buy|book|plan|practise|practice|revise|study|cook|tidy|carry|lift|fix|think|come up|out with))",
            r"\bhelp (?:me )?with (?:something|sth|stuff|things|a thing|something i)\b",
            rf"\b(?:can|could|will|would|cn|pls|please|plz)\b (?:\w+ ){{0,4}}?(?:{_CONTACT}) (?:me|wi me|with me)\b",
            rf"\b(?:can|could|will|would|cn|pls|please|plz) (?:you|u|{_SOMEONE}|{_WORKER}) (?:please |pls )?"
            r"(?:help|come (?:and |to )?see me|come round|come over|get in touch|ring|phone|call)\b",
            r"^(?:please |pls |plz )?(?:phone|call|ring|bell) me\b|\b(?:please|pls|plz) (?:phone|call|ring) me\b"
            r"|\b(?:phone|call|ring) me (?:back )?(?:please|pls|plz|asap|now|today|tonight|when (?:you|u) (?:can"
            r"|get))\b",
            rf"\b(?:get|tell|ask) {_WORKER} to (?:phone|call|ring|contact|text|get in touch|come)\b",
            rf"\b(?:need|want) (?:{_SOMEONE}|{_WORKER}|you) to (?:phone|call|ring|contact|text|come|see|visit) me\b",
            rf"\b(?:need|want|have|got|wanting|needing|like) to (?:talk|speak|chat) to (?:{_SOMEONE}|{_WORKER}|you)\b",
            rf"\bcan i (?:talk|speak|chat) to (?:{_SOMEONE}|{_WORKER}|you)\b",
            rf"\b(?:have|get) a (?:chat|talk|word) with (?:{_SOMEONE}|{_WORKER}|you)\b",
            rf"\b(?:need|want|looking for) {_SOMEONE} to (?:talk|speak|chat) to\b",
            rf"\b(?:is|are) there (?:{_SOMEONE}|a worker|anyone) (?:i can|to) (?:talk|speak|chat) to\b",
            rf"\b(?:need|want|have) to tell (?:{_SOMEONE}|you|{_WORKER}) (?:something|sth|summat)\b",
            r"\b(?:something|sth|things?) (?:i|i've) (?:need|want|have|got) to (?:tell|say|talk about)\b",
            r"\bi(?:'ve| have)? (?:got )?something to tell\b|\bcan i tell (?:you|some ?one|somebody) something\b",
            r"\b(?:don't|do not|dunno|don't even) know (?:who|where|what) (?:else )?(?:to|i can|i should) (?:talk|speak"
            r"|turn|tell|go"
            r"|ask|do)\b",
            r"\bwho (?:can|do|should) i (?:talk|speak|turn) to\b",
            r"\b(?:call|phone|ring) ?back (?:from|off) (?:my|a|the) \w+\b",
            r"\b(?:urgent|asap|emergency)\b.*\b(?:phone|call|ring|help|talk|speak|contact|worker|some ?one|somebody)\b"
            r"|\b(?:phone|call|ring|help|talk|speak|contact|worker|some ?one|somebody)\b.*\b(?:urgent|asap"
            r"|emergency)\b",
            r"\bis (?:there )?(?:a|any) (?:worker|staff|one|body) (?:on|around|available|about)\b",
        ),
    ),
    (
        "possible disclosure",
        (
            r"\breport (?:a|my|ma) (?:carer|foster \w+|keyworker|worker|teacher|staff|coach|uncle|da|step ?da)\b",
            r"\b(?:stuff|something|things|what)\b[^.]{0,20}\b(?:happened|went on|goes on)\b[^.]{0,40}\b(?:never|dinnae"
            r"|don'?t"
            r"|dont|not|can'?t|cannae) (?:\w+ )?(?:talk|talked|speak|tell|told|got to talk)\b",
            r"\b(?:want|need) to (?:talk|speak|tell \w+) about something (?:that )?(?:happened|that went on)\b",
            r"\b(?:don'?t|dont|dinnae|do not) want to talk about (?:my|ma) (?:\w+'?s|\w+) (?:house|hoose|flat|place)\b",
            r"\b(?:stuff|things|something|somethin|sth|what|wit) (?:bad |awful |horrible |weird |that )?(?:happened"
            r"|went on"
            r"|goes on|was going on|has happened)\b(?! (?:to|with) my (?:phone|bike|xbox|laptop|hair|order|money|bus"
            r" pass)\b)"
            r"(?!.*\b(?:at (?:the )?(?:match|game|football|gig)|in the (?:film|game|show|episode))\b)",
            r"\b(?:talk|speak|tell \w+) about (?:something|what) (?:that )?(?:happened|went on)\b",
            r"\b(?:never|haven't|havent|not|nobody has) (?:ever )?(?:told|tell|telt) (?:anyone|anybody|no ?one|naebody"
            r"|a soul)\b",
            r"\b(?:don't|do not|hate) (?:like )?(?:being|to be|it when i'm) (?:left )?(?:alone|on my own) with\b",
            r"\b(?:don't|do not) want to (?:talk|speak) about (?:my \w+'?s (?:house|place|flat)|what (?:happened|went"
            r" on)|(?:my|the)"
            r" (?:old|last) (?:placement|carers?|house|home|unit))\b",
            r"\b(?:makes?|made) me (?:feel )?(?:uncomfortable|weird|uneasy|scared|nervous|on edge|sick)\b"
            r"(?!.*\b(?:exam|test|driving|dentist|film|heights|spider|rollercoaster)\b)",
            r"\b(?:gives?|gave) me the (?:creeps|willies|heebie)\b|\bcreepy\b|\b(?:is|he's|she's|are|acts|being) (?:\w+"
            r" )?weird"
            r" (?:with|around|towards) me\b",
            r"\b(?:something|somethin|things?|it) (?:isn't|isnt|is not|not|doesn't|doesnt|does not|don't) (?:feel |seem"
            r" )?right"
            r" (?:at|in|with|about) (?:home|my|the|him|her|them)\b",
            r"\b(?:can't|cannot) (?:say|explain|tell you) (?:why|more|what|on here|by text|over text)\b|\bi can'?t"
            r" say\b"
            r"(?! (?:no|enough|thanks|thank|i'm|i am|i)\b)|\b(?:don't|do not) want to say (?:more|why|what)\b"
            r"|\bcan'?t (?:explain|say) it\b",
            r"\bflashbacks?\b|\bnightmares? (?:about|of|from)\b(?! (?:my |the |an? )?(?:exams?|school|work|college"
            r"|tests?|spiders?"
            r"|clowns|zombies|film|falling)\b)|\b(?:keep|still|cant stop|can't stop) (?:remembering"
            r"|thinking"
            r" about|seeing) (?:what|stuff|things|it|him|her)\b",
            r"\bwhat (?:he|she|they|my \w+) did\b(?! (?:for|at|with|in) (?:me|my|the|a)\b(?!.*\b(?:scared|hurt"
            r"|bad)\b))",
            r"\b(?:don't|can't|cannot|dont) remember (?:how i got|what happened|anything (?:from|after|about))\b",
            r"\b(?:bad|horrible|awful|scary) experience with\b|\bmessed me up\b",
            r"\b(?:wasn't|was not|isn't|is not|wisnae) (?:a )?(?:good|nice|safe|ok|okay) (?:place|placement|home"
            r"|house)\b"
            r"(?! for (?:my|the) (?:dog|cat|bike|studying|school|work|college))",
            rf"\b(?:get|gets|feel|am|i'm|go) (?:so |really |dead |pure )?(?:scared|nervous|frightened|feart|anxious|on"
            rf" edge|tense"
            rf"|quiet) when (?:he|she|they|my {_PERSON}|my (?:carer|foster \w+|step ?\w+))\b",
            r"\b(?:scared|feart|frightened|afraid) of (?:one of (?:the )?|a |some |the |this )(?:older )?(?:boys?"
            r"|girls?|staff|men|man|guy|guys|lads?"
            r"|workers?|carers?|folk|people)\b",
            r"\b(?:someone|somebody|a (?:man|guy|boy)|he|they) (?:put|spiked|slipped) (?:something|sth|stuff) (?:in"
            r"|into)"
            r" my drink\b|\bspiked\b",
            r"\b(?:trying it on|tried it on|tries it on)\b|\bcomments about my (?:body|bum|boobs|chest)\b",
            r"\b(?:older|grown|adult) (?:boy|man|guy|lad|woman)s? (?:keeps?|kept|is|has been) (?:messaging|texting"
            r"|snapping|adding"
            r"|following|asking)\b|\b(?:man|guy|stranger) (?:at|in|from) (?:the )?\w+ keeps asking\b",
            r"\bwants to meet (?:up|me)\b.*\b(?:online|met|snap|insta|tiktok|game)\b|\b(?:met|meet|talking to) (?:\w+"
            r" )?online"
            r"\b.*\b(?:meet|wants)\b",
            r"\b(?:got|been|was) (?:hurt|jumped|mugged|robbed|attacked|beaten up)\b(?! (?:at|in|playing|during|doing) "
            r"(?:football|rugby|hockey|training|pe|the gym|boxing|netball|the game|the match|a match))",
            r"\b(?:man|guy|stranger|someone|somebody|a lad|men)\b.*\bkeeps? (?:turning up|showing up|hanging about"
            r"|waiting)\b",
            r"\b(?:followed|following|follows) me (?:home|about|around|everywhere)\b|\bsomeone (?:is |has been |keeps"
            r" )?"
            r"following me\b",
            r"\bhearing voices\b|\bdark thoughts\b|\bbad thoughts\b|\bweird thoughts\b|\bscared of (?:what's in )?my"
            r" (?:own )?head\b"
            r"|\bdon't trust my ?self\b",
        ),
    ),
    (
        "not believed",
        (
            r"\b(?:told|tellt|tell) (?:\w+ ){0,3}about\b[^.]{0,60}\b(?:changed the subject|didn'?t listen|ignored"
            r"|laughed)\b",
            r"\blook into what i (?:told|said)\b",
            r"\btry(?:ing)? (?:to|tae) tell (?:someone|somebody|anyone|anybody|them|staff|my \w+)\b[^.]{0,60}"
            r"\b(?:change the subject|don'?t listen|dont listen|ignore|won'?t listen|laugh|shut me down)\b",
            r"\b(?:want|need|wish) (?:somebody|someone|anybody|anyone|sumbody|some1) (?:would |to )?listen\b",
            r"\b(?:nobody|no ?one|naebody|no1|never|didn't|don't|doesn't|won't|wouldn't|not|wouldnae|didnae|disnae)"
            r" (?:\w+ ){0,3}"
            r"(?:believes?|believed|belive\w*|beleive\w*|believing) (?:me|a word i say|what i (?:say|said"
            r"|told))\b"
            r"(?! (?:that (?:i (?:did|wrote|cleaned|met|saw|done|finished)|the|my (?:dog|homework))|i (?:did|wrote"
            r"|cleaned|met|done"
            r"|finished))\b)",
            r"\b(?:said|says|think|thinks|thought|called me|accused me of|telling me) (?:i was |i'm |i am |i'd |i |me "
            r"|that i "
            r"was )?(?:lying|a liar|making (?:it|things|stuff|this) up|attention seeking|being dramatic|imagin\w+"
            r"|exaggerat\w+"
            r"|made (?:it|that) up|a drama queen|a wind ?up|making up stories|telling stories|telling lies)\b",
            r"\b(?:told|tell|said|telt)\b.*\band (?:nothing|nobody|no one|naebody) (?:happened|did anything|listened"
            r"|cared|done"
            r" anything)\b|\bnothing (?:ever )?(?:happened|got done|was done) (?:after|when) i told\b",
            r"\b(?:no ?one|nobody|naebody) (?:listened|listens|did anything|does anything) when i (?:said|say|told"
            r"|tell)\b",
            r"\bwhy (?:does|do|did|will|won't) (?:no ?one|nobody|naebody) (?:believe|listen)\b",
            r"\benough evidence\b|\bwhy would i lie\b|\bi'?m not lying\b",
        ),
    ),
    (
        "worry about someone else",
        (
            rf"\b(?:worried|worrying|worry|worries|scared|feart|concerned|frightened|afraid|bricking it) (?:sick"
            rf" )?(?:about|for|aboot)"
            rf" (?:my |our |ma )?{_PERSON}\b(?!(?:'s)? (?:\w+ )?(?:exams?|test|driving|interview|operation|op|surgery"
            rf"|hip|knee"
            r"|heart|cold|flu|covid|birthday|wedding|results|job interview|first day|going away|moving|leaving))",
            r"\b(?:worried|scared|feart|frightened|concerned|bricking it) (?:sick )?(?:about|for) (?:her|him|them)\b",
            rf"\b(?:my|our) {_PERSON}(?:'s| is| has| keeps| has been| been| was)? (?:\w+ )?(?:back on|drinking|using|on"
            rf" the gear"
            r"|on drugs|dealing|steaming|self harming|cutting|hurting (?:herself|himself|themselves)|not eating|not"
            r" coming home"
            r"|not been home|missing|gone missing|hasn't been home|not answering|not picking up|talking about ending"
            r"|saying"
            r" (?:she|he|they)'?(?:ll| will| wants?))\b",
            rf"\b(?:my|our) {_PERSON}\b[^.?!]{{0,40}}\b(?:said|says|keeps saying|told me|posts?|posting|talks? about) "
            r"(?:she|he|they)?(?:'s| is| are| wants?| want| will|'ll)? ?(?:going to |wants? to |to )?(?:kill|end|die"
            r"|hurt|cut"
            r"|harm|disappear|run away|goodbye)",
            rf"\b(?:my|our) {_PERSON}\b[^.?!]{{0,40}}\b(?:doesn't|does not|don't|won't|wont|doesnae) want to go (?:home"
            rf"|back)\b",
            rf"\b(?:my|our) {_PERSON}\b[^.?!]{{0,40}}\b(?:bruises?|marks)\b|\bshowed me (?:her|his|their) (?:bruises"
            rf"|marks|arms"
            r"|cuts)\b",
            rf"\b(?:my|our) {_PERSON}\b[^.?!]{{0,40}}\b(?:older (?:boys|guys|men|lads)|being groomed|being hurt|being"
            rf" bullied)\b",
            rf"\b(?:check|checking) on (?:my|our) {_PERSON}\b|\bno one (?:is )?looking (?:for|after) (?:her|him"
            rf"|them)\b",
            r"\b(?:is|being) (?:being )?groomed\b|\bcontrolling (?:her|him|them)\b|\b(?:is|he's|she's) (?:so |really )?"
            r"controlling\b|\bnot allowed to see (?:us|her (?:pals|friends|family)|his (?:pals|friends|family)"
            r"|anyone)\b",
            rf"\b(?:my|our) {_PERSON}\b[^.?!]{{0,40}}\b(?:always drinking|drinks every|drunk every|drinking in front"
            rf"|drinking"
            r" again|using again|back on (?:the )?(?:drink|gear|drugs))\b",
            rf"\bi (?:don't|do not) know (?:how )?(?:to help|what to do about) (?:my |our )?(?:{_PERSON}|her|him"
            rf"|them)\b",
        ),
    ),
    (
        "drinking or drugs to cope",
        (
            r"\b(?:drinking|drinkin|taking|takin|using|usin|smoking|smokin)\b[^.]{0,40}\b(?:more than i should"
            r"|every day now"
            r"|every night now|scares me|too much|cannae stop|can'?t stop)\b",
            r"\b(?:started|been|keep) (?:taking|takin|using|usin|doing) (?:ket|coke|pills|mdma|valium|vallies|blues"
            r"|xanax"
            r"|eccies)\b",
            r"\b(?:drink|drinking|drank|drunk|bevvy\w*|wasted|steaming|smashed|high|stoned|weed|smok\w*|pills|tablets"
            r"|valium"
            r"|vallies|coke|using|taking (?:stuff|things|anything)|mad (?:with|wi) it|blazing|getting on it|vodka|voddy"
            r"|cans)\b"
            r"[^.?!]{0,50}\b(?:to (?:cope|forget|numb|block|stop (?:thinking|feeling)|get (?:through|thru) (?:the|each"
            r"|every)"
            r"|sleep|calm|chill (?:me|my)|feel (?:something|nothing|ok|okay|normal|better)|escape|switch off)|so"
            r" (?:that )?i"
            r" (?:don't|can't|do not) (?:have to )?(?:think|feel|remember)|only (?:thing|way|time)|can'?t (?:sleep|cope"
            r"|function"
            r"|handle|get through|stop)|out of hand|blackout|black out|on my own|alone|in the mornings?|every (?:night"
            r"|day"
            r"|morning)|most (?:nights|days)|all day)\b",
            r"\b(?:to (?:cope|forget|numb it|numb the|block (?:it|stuff|things) out))\b[^.?!]{0,40}\b(?:drink\w*|drunk"
            r"|weed"
            r"|smok\w*|pills|tablets|coke|using|wasted|high|stoned)\b",
            r"\b(?:need|needs|needing) (?:a|to) (?:drink|smoke|joint|line|pill)\b(?! (?:of water|with (?:my|the)"
            r" (?:pals|mates)))"
            r"[^.?!]{0,40}\b(?:to|just|before|get|cope|face)\b",
            r"\b(?:blackout|black out|blacked out) drunk\b|\bdrinking (?:more and more|every night|on my own|alone)\b"
            r"|\b(?:my )?drinking (?:is )?(?:getting )?(?:out of hand|worse|bad)\b|\bcan'?t stop (?:drinking|using"
            r"|taking)\b",
            r"\bhelp (?:with|wi|for) my (?:drinking|drug|using)\b|\bstarted (?:using|taking) (?:coke|pills|drugs|valium"
            r"|gear)\b",
            r"\b(?:only|the only) (?:time|way) i (?:feel|can feel|am) (?:ok|okay|normal|alright|happy) is (?:when i'm"
            r" )?"
            r"(?:high|drunk|stoned|wasted|mad)\b",
            r"\bweed (?:is|helps)\b.*\b(?:only|sleep|cope)\b|\bsmoke (?:weed )?(?:every day|all day)\b",
        ),
    ),
    (
        "low mood",
        (
            r"\bworst (?:it'?s|its|i'?ve|ive) ever (?:been|felt)\b",
            r"\b(?:got|have|i'?ve got) (?:naebody|nobody|no one|no1|noone)\b(?! (?:to (?:play|go|sit)|in the house"
            r"|at hame"
            r"|at home|here yet))|\bcompletely (?:on my own|alone)\b",
            r"\bhopeless\w*\b|\bworthless\b|\buseless\b(?! (?:phone|bus|wifi|app|laptop|charger|printer|at (?:maths"
            r"|cooking"
            r"|football|art)))|\b(?:feel|feeling|i'm|i am|so) (?:so |really |pure |dead |totally )?(?:empty|numb|broken"
            r"|alone"
            r"|invisible|depressed|miserable|worthless|hopeless|dead inside)\b(?! (?:today but|a bit|after (?:the|my)"
            r" (?:match|game)))"
            r"|\b(?:so|really|pure|dead) low\b(?! (?:today|the day)\b)(?! (?:to|for|at|the|in|with|wi|battery|on)\b)",
            r"\b(?:i )?hate (?:my ?self|who i am|being me|my life|my whole life|everything about me|living)\b",
            r"\b(?:can't|cannot|can not|not) cop(?:e|ing)\b(?! with (?:how|this heat|the heat|the cold|the cuteness"
            r"|this weather"
            r"|these|the noise|the excitement))",
            r"\b(?:struggling|falling apart|losing it|drowning|breaking down)\b(?! (?:with|wi) (?:my |the )?(?:homework"
            r"|maths|essay"
            r"|course|college|money|rent|bills|forms?|uc|universal credit|exam|revision)\b)",
            r"\b(?:not|no) (?:ok|okay|alright|awright|coping|doing (?:good|well|ok|okay|great)|in a good place|feeling"
            r" (?:good|great"
            r"|myself|right))\b(?!.{0,10}\b(?:lol|haha)\b)(?! (?:with|about) (?:the|my) (?:new|rules|plan|decision))",
            r"\bin a (?:dark|bad|horrible|terrible|awful|black) (?:place|way|head ?space)\b",
            r"\b(?:feel|feels|feeling) like (?:giving up|a (?:burden|failure|problem|waste))\b|\bgiving up on"
            r" (?:everything|life"
            r"|myself)\b|\b(?:a|such a) burden\b|\bjust a problem (?:for|to) every(?:one|body)\b",
            r"\bnothing (?:ever )?(?:gets better|matters|goes right|changes for me)\b|\bnever (?:gets|going to get)"
            r" better\b"
            r"|\bcan'?t see (?:it|things|anything) getting better\b",
            rf"\b{_SOMEONE} (?:even |actually |ever )?(?:cares?|gives a (?:toss|shit|damn|fuck)) (?:about me|if i)\b"
            r"|\b(?:no ?one|nobody|naebody) cares\b(?! about (?!me\b))|\bi have no ?one\b|\bi've got no ?one\b|\bnobody"
            r" would notice\b",
            r"\b(?:can't|cannot) stop (?:crying|greetin\w*|greeting)\b|\b(?:cry|crying|greetin\w*|greet) (?:every|all)"
            r" (?:night|day)"
            r"\b|\b(?:been )?(?:crying|greetin\w*|greeting) for days\b",
            r"\b(?:can't|cannot) (?:get out of bed|face (?:anyone|anything|people|it|the day))\b|\bhaven'?t left my"
            r" (?:room|bed|flat"
            r"|house) in\b|\bin bed for days\b",
            r"\b(?:everything|it all|life)(?: is|'s| feels)? (?:just )?(?:too much|shit|crap|pointless"
            r"|rubbish)\b(?!.*\b(?:lol|haha)\b)"
            r"|\bmy life is (?:a joke|shit|crap|over|ruined|a mess)\b(?!.*\b(?:lol|haha|keys)\b)"
            r"|\bhate my life\b",
            r"\b(?:what'?s|what is) (?:even )?the point (?:in |of )?(?:trying|anything|it all|living|bothering|going on"
            r"|me\b"
            r"(?! (?:going|coming|doing|trying|being at|turning up|at|in|to|telling|filling)\b))\b"
            r"|\bno point (?:in )?(?:trying|anything|bothering)\b|\b(?:don't|do not) care about anything\b|\bnothing"
            r" matters\b",
            r"\b(?:i )?(?:just )?(?:want|wish) (?:to|i could) (?:give up|disappear)\b|\bwish i was (?:someone|somebody)"
            r" else\b"
            r"|\bwish i'?d never been born\b|\bwish i (?:was|wasn't|had never been) born\b",
            r"\b(?:tired|sick|exhausted) of (?:everything|it all|life|fighting|trying|being me)\b(?!.*\b(?:lol"
            r"|haha)\b)",
            r"\b(?:head|heid)(?:'s| is)? (?:a mess|wrecked|fried|mince|gone|messed up|all over the"
            r" place)\b(?!.*\b(?:college"
            r"|work|exams?|homework)\b)",
            r"\b(?:constantly|always|so|really|pure) sad (?:all the time|constantly|every day|always)\b|\bconstantly"
            r" sad\b"
            r"|\blost (?:all )?hope\b|\bno hope left\b",
            r"\b(?:worst|lowest) i'?ve (?:ever )?felt\b|\b(?:really|so|pure) low\b|(?<!\bnot )\bdepress(?:ed"
            r"|ion)\b(?!.*\b(?:better|helped"
            r"|working|improving)\b)",
            r"\bpanic attacks? (?:every|all the)\b|\bnot sleeping at all\b|\b(?:not|no longer) coping\b|\bmental health"
            r" is (?:really |so )?(?:bad|shit|awful)\b"
            r"|\b(?:camhs|waiting list)\b.*\bnot (?:ok|okay|coping)\b",
        ),
    ),
    (
        "bullying or threats",
        (
            r"\b(?:calling|callin) me names\b|\b(?:pushing|pushin|shoving) me (?:about|around|aboot)\b",
            r"(?<!\bnot )(?<!\bno )(?<!\bnever )(?<!\bnot being )(?<!\bno being )(?<!\bnot getting )(?<!\bnot been )"
            r"\bbull(?:y|ied|ying|ies)\b(?!.*\b(?:stopped"
            r"|sorted|over now|dealt with|got excluded|in the past|used to|when i was)\b)(?!.*\bwhat do i do if\b)",
            r"\bslag(?:ging|ged|s)? me (?:every|all the|constantly)\b|\bpick(?:s|ing)? on me\b|\bmak\w* (?:my life"
            r"|school)"
            r" (?:hell|miserable|a misery|a nightmare|a living hell)\b",
            r"\bgroup ?chat\b.*\b(?:slag|rip|laugh|about me|mock|hate)"
            r"|\bfake (?:accounts?|profiles?|pages?) (?:of|about|to|pretending|slagging)\b",
            r"\b(?:posting|posted|post|spreading|spread|saying) (?:horrible |nasty |vile )?(?:stuff|things|rumou?rs"
            r"|lies)"
            r" (?:about|of) me\b|\bhorrible (?:stuff|things) about me\b",
            r"\bthreat(?:s|ening)? (?:on|over|through|from)\b|(?<!nobody's )(?<!nobodys )(?<!not )(?<!nobody is"
            r" )\bthreatening (?:messages"
            r"|texts|me)\b|\bsending me threats\b",
            r"\b(?:going to|gonna) (?:batter|jump|get|do) me\b|\b(?:jump|get) me after\b|\b(?:they'll|he'll|she'll) get"
            r" me\b"
            r"|\bsaying they'?(?:re|ll) (?:going to )?(?:get|jump|batter) me\b",
            r"\b(?:nasty|horrible|creepy|threatening|abusive|hate) (?:messages|texts|dms|comments)\b|\bgetting hate\b",
            r"\b(?:wait|waiting|waits) for me (?:at|outside|after)\b",
            r"\b(?:scared|feart|afraid) to go to school\b|\bdon't want to go to school because of\b",
            r"\b(?:messaging|messages|texting) me from (?:different|new|fake) accounts\b",
            r"\bput my (?:pictures?|pics?|photos?) (?:in|on)\b|\bthreatened to (?:put|post|share)\b",
        ),
    ),
    (
        "going without food or heating",
        (
            r"\b(?:no|nae|nothing|not any|without) (?:food|gas|electric|electricity|heating|heat|money for (?:food|the"
            r" gas|gas"
            r"|electric|the electric|the meter|heating))\b(?!(?: in)? at (?:the|my) (?:party|group|event|unit tonight))"
            r"(?! (?:allowed|in (?:the )?class|(?:at|in) (?:college|school|work|the gym|class|the office|the library)))"
            r"(?!.*\b(?:till|until) (?:my carer|we|mum|dad|i|the staff) (?:does|do|go|goes|get|gets) (?:the"
            r" )?(?:shopping|shop)\b)",
            r"\bhaven'?t (?:eaten|ate|had (?:anything|a (?:proper )?meal|food|a meal|proper food))\b(?! (?:breakfast"
            r"|lunch yet"
            r"|since lunch|yet today lol))",
            r"\bskip(?:ping|ped)? meals\b|\b(?:going|went|gone|been going) without (?:food|meals|eating|heating|gas"
            r"|electric)\b",
            r"\bcan'?t afford (?:food|to eat|the (?:gas|electric|heating|meter)|heating|gas|electric|to top up|to put"
            r" the"
            r" heating|food or)\b",
            r"\b(?:meter|electric|gas|heating|credit)(?: has)? (?:ran|run|running|gone|went|is|was|been|'s been|'s)"
            r" (?:out|off)\b"
            r"(?! (?:for the summer|in the summer|for (?:an|a|one|two|\d+) (?:hour|hours|minutes?|mins)\b))",
            r"\bsitting in the dark\b|\b(?:been )?(?:freezing|cold) for (?:days|a week|\d+ days|weeks)\b",
            r"\bliving on (?:toast|noodles|cereal|crisps|nothing|pot noodles|bread|super noodles)\b|\bhow am i (?:meant"
            r"|supposed)"
            r" to eat\b",
            r"\b(?:fridge|cupboards?)(?: is| are)? (?:empty|bare)\b|\bempty (?:fridge|cupboards)\b|\bnothing (?:to eat"
            r"|in the"
            r" (?:fridge|house|flat|cupboards?))\b",
            r"\bhungry all the time\b|\bstarving and (?:there'?s )?nothing\b|\bno money (?:for|till|until)\b.*\b(?:eat"
            r"|food"
            r"|hungry|starving)\b|\bfood ?banks? (?:is |are )?(?:shut|closed)\b",
            r"\b(?:heating|boiler|radiators?)(?: has been| has| is|'s been|'s| been)? (?:broke|broken|off|not working"
            r"|dead)"
            r" (?:for |since )?(?:\d+|a|two|three|four|days|weeks?|ages)\b",
        ),
    ),
    (
        "nowhere settled to stay",
        (
            r"\bsofa surf\w*\b|\bstaying (?:at|with) (?:different|whoever)\b|\brunning out of (?:places|couches"
            r"|sofas)\b",
            r"\b(?:getting|being|been|got) (?:evicted|put out|kicked out)\b|\babout to (?:get|be) evicted\b",
            r"\bnowhere (?:lined up|to live|to go next)\b|\b(?:dunno|don't know) where (?:to go|i'll live|i'm going to"
            r" live"
            r"|i'll stay)\b",
            r"\b(?:sleeping|sleepin|kipping|staying) (?:on|at) (?:my |a )?(?:mates?|pals?|friends?)'?s? (?:couch|sofa"
            r"|floor)\b",
        ),
    ),
)
# Said to be handled ("the police already know", "it got dealt with"): not news for a worker.
_HANDLED = re.compile(
    r"\b(?:dealt with|handled (?:it )?(?:really )?(?:well|properly)|going to court|went to court|police (?:already"
    r" )?know"
    r"|(?:is|are|he's|she's) in (?:jail|prison)|felt listened to|(?:counselling|therapy|camhs|my worker) (?:really"
    r" )?helped"
    r"|helped (?:loads|a lot)|sorted now|all sorted|it's stopped|its stopped|safe now)\b"
)
# Over now: "I was bullied in primary but high school is much better", "last year I was sofa surfing but now...".
_PAST = re.compile(
    r"\b(?:last year|years? ago|used to|when i was \w+|in (?:first|second|third|s1|s2|s3) year|in primary|back then"
    r"|a while ago|in first year|(?:at|in) my (?:old|last|previous) (?:school|placement|unit|carers?"
    r"|house))\b.*\b(?:but|now)\b.*\b(?:now|better|helped|sorted|stopped|fine|ok|okay|good|great"
    r"|brilliant|settled|safe|happy|learning)\b"
)
# A question in general ("what do I do if I see someone getting bullied"), not about the young person.
_GENERAL_QUESTION = re.compile(
    r"\b(?:what (?:do|should|can) (?:i|you|we|people) do if|how (?:do|can) (?:i|you) (?:report|help|tell|know)|what"
    r" number"
    r"|is there a number|who do (?:you|i) (?:talk|speak) to if|where can (?:i|you) get)\b.*\b(?:ever|someone|somebody"
    r"|anyone|a pal|a friend|a mate|young people|people)\b"
)
# Worry about someone's exams, operation or bills: ordinary worry, not about their safety.
_ORDINARY_WORRY = re.compile(
    r"\b(?:exams?|tests?|driving|interview|operation|surgery|hospital|hip|knee|heart|cold|flu|covid|glandular|cancer"
    r"|results|bills?|skint|money|rent|first day|job|moving away|wedding|birthday|off school with|find out|ill|vet|sick"
    r"|minutes|mins"
    r"|cat|dog|hamster|pet|rabbit|horse)\b"
)
_CONCERN_COMPILED = tuple((category, _Rules(patterns)) for category, patterns in _CONCERN_RULES)
# A request for help with something everyday ("can you help me with my CV", "can my worker phone me about my
# review") is not a safeguarding request: no help numbers, no concern.
_EVERYDAY_REQUEST = re.compile(
    r"\b(?:bus ?pass|homework|cv|forms?|application|applying|college|uni|university|course|bursary|rent|flat|tenancy"
    r"|housing|benefits|uc|universal credit|passport|bank|account|driving|lessons?|trip|meeting|review|pathway plan"
    r"|contact (?:times|arrangements)|grant|allowance|money|job|jobs|interview|essay|maths|english|exams?|revision|bill"
    r"|bills|laptop|phone bill|appointment|group|champs board|youth club|name for|wear|outfit|recipe|shopping|furniture"
    r"|council tax|insurance|provisional|licence|ticket|tickets|birthday|party|holiday|school|subjects?|personal"
    r" statement|file|records|complaint|doctor|gp|dentist|prescription|glasses|address|times?|date|football|gym|cooking"
    r"|pokemon|xbox|game|singing|quiz|number for|letters?|council|gay|bi|trans|lesbian|sexuality|coming out|certificate"
    r"|documents?|id|lift|hearing|contact with|pocket money|tax|viewing|grant|work placement|apprenticeship|work"
    r" experience)\b"
    # Asking who someone is or where something is: information, not a cry for help.
    r"|^(?:who'?s|whos|what'?s|whats|who is|what is|where'?s|where is|is there a number|what number|how do i|who do"
    r" i)\b"
    r"|\bwho do i (?:speak|talk|ask|go) to\b|\bchange my (?:name|surname|school|gp|doctor|number)\b"
)
# "lol", "haha", crying-laughing: a figure of speech, not low mood or a cry for help.
_JOKING = re.compile(r"\b(?:lol|lmao|lmfao|haha\w*|jk|rofl|kidding)\b|😂|🤣|💀|😆|😅|😜|🙃|😭😂")
_JOKE_BLIND = frozenset({ASKING_FOR_HELP, "low mood", "not believed"})


def screen(text: str, model: LinearScreen | None = None) -> Screening:
    """Screen one message for risk of harm to the young person or to another child they mention, and for what
    falls short of that but a worker should read today: the rules first, then the learned screen for what no rule
    lists."""
    clean = screening_form(text)
    plain = _everyday_left_out(clean)
    about_safety = (
        _ABOUT_SAFETY.search(clean) or (_FICTION.search(clean) and not _FIRST_PERSON.search(clean))
    ) and not _HAPPENING.search(clean)
    if _RESOLVED.search(clean) or (_DENIED.search(clean) and not _URGENT.search(clean)) or about_safety:
        # Over and known, or a lesson or a film about it: only a plain request for help still counts.
        asking = tuple(reason for reason in _concerns(plain) if reason == ASKING_FOR_HELP)
        return Screening(risk=False, concern=bool(asking), concern_reasons=asking)
    reasons = _risks(plain)
    concern_reasons = _concerns(plain, urgent=bool(reasons))
    if reasons:
        return Screening(risk=True, reasons=reasons, concern=True, concern_reasons=concern_reasons)
    learned = model or default_model()
    reading = learned.read(text)
    if reading.flags_risk:
        evidence = learned.evidence(text, RISK)
        return Screening(
            risk=True, reasons=(LEARNED,), evidence=evidence, concern=True, concern_reasons=concern_reasons
        )
    if concern_reasons:
        return Screening(risk=False, concern=True, concern_reasons=concern_reasons)
    if reading.flags_concern:
        evidence = learned.evidence(text, CONCERN)
        return Screening(risk=False, evidence=evidence, concern=True, concern_reasons=(LEARNED_CONCERN,))
    return Screening(risk=False)


def _risks(clean: str) -> tuple[str, ...]:
    reasons: list[str] = []
    for category, pattern in _COMPILED:
        for match in pattern.finditer(clean):
            if category == "feeling unsafe" and _is_negated_unsafe(clean, match):
                continue
            reasons.append(category)
            break
    return tuple(reasons)


def _concerns(clean: str, urgent: bool = False) -> tuple[str, ...]:
    """The concern categories in a message, read with denials and everyday mishaps left out (`_everyday_left_out`)."""
    joking = _JOKING.search(clean) is not None
    over = _PAST.search(clean) is not None or _GENERAL_QUESTION.search(clean) is not None
    found: list[str] = []
    for category, pattern in _CONCERN_COMPILED:
        if (joking and category in _JOKE_BLIND) or (over and category != ASKING_FOR_HELP):
            continue
        if category == "possible disclosure" and _HANDLED.search(clean):
            continue
        if category == "worry about someone else" and _ORDINARY_WORRY.search(clean):
            continue
        if pattern.search(clean):
            found.append(category)
    if ASKING_FOR_HELP in found and len(found) == 1 and not urgent and _EVERYDAY_REQUEST.search(clean):
        found.remove(ASKING_FOR_HELP)  # help with a form or a bus pass, and nothing else worrying
    return tuple(found)


def _is_negated_unsafe(clean: str, match: re.Match[str]) -> bool:
    if "unsafe" not in match.group(0):
        return False
    window = clean[max(0, match.start() - 20) : match.end()]
    return _NEGATED_UNSAFE.search(window) is not None

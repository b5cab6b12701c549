"""Claim-independent stance words in English, Russian and Chinese.

A claim's own cue words say which way *it* moves; these say how an item is worded (a denial, a
decline, a rise, a meeting still ahead), which the stance model weighs with the claim's own
signals. Written in the keyword syntax of claims.yaml: English words with their endings, "*" for
any ending, Russian stems, Chinese words; "|" separates them here.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split("|") if w.strip())


GENERIC_CUES: dict[str, tuple[str, ...]] = {
    "negation": _words(
        "not|no|never|n't|deny|denies|denied|reject|dismiss|refus*|rule out|rules out|without|"
        "unlikely|doubt*|skeptic*|false|не|нет|никак|отверг|опроверг|отказ|отрица|сомнева|不|否认|"
        "拒绝|没有|未|驳斥|否定|怀疑|"
    ),
    "decline": _words(
        "postpon*|delay|cancel*|halt|suspend*|fall|fell|drop|declin*|slump|plung*|collaps*|"
        "shrink*|stall|fail*|weaken*|cool*|freez*|froze*|cut|slow*|tension*|rift|strain*|snub*|"
        "clash*|отлож|отмен|сниж|снизи|сократ|упа|паден|заморо|напряж|разлад|推迟|取消|下降|下滑|暂停|减少|"
        "放缓|紧张|冻结|降温|"
    ),
    "growth": _words(
        "record|surg*|rise|rose|grow*|expand*|boost*|sign*|agree*|deal|confirm*|deepen*|"
        "strengthen*|increas*|soar*|welcom*|arriv*|рекорд|рост|выро|увелич|подпис|соглаш|"
        "договор|укрепл|расшир|增长|创纪录|签署|协议|扩大|确认|加强|深化|抵达|"
    ),
    "pending": _words(
        "ahead of|expect*|plan*|schedul*|upcoming|prepar*|could|may|might|whether|to meet|"
        "will meet|talks|what to know|explainer|analysis|ожида|планир|предстоя|готов|может|"
        "переговор|预计|计划|将于|可能|或将|会谈|筹备|"
    ),
    "threat": _words(
        "nuclear|missile*|strike*|escalat*|threat*|warn*|attack*|ядер|ракет|удар|эскалац|угро|"
        "核|导弹|袭击|升级|威胁|"
    ),
}

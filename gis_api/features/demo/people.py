"""Generated (fictional) people: names and mobile numbers for grid leaders."""

from __future__ import annotations

import numpy as np

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛雷侯龙史陶黎贺顾毛郝龚邵"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红梅鹏辉林燕志文斌宇浩凯丹"
    "晨雪琳波倩婷欣怡佳俊峰春兵荣德海蓉莉琴云飞鑫阳旭东亮成思睿然蕾博瑶淑珍凤"
)
MOBILE_PREFIXES = ("13", "15", "17", "18", "19", "14", "16")


def person_name(rng: np.random.Generator) -> str:
    """Return a generated Chinese name: a surname and one or two given-name characters."""
    surname = SURNAMES[rng.integers(len(SURNAMES))]
    n = 1 if rng.random() < 0.3 else 2
    return surname + "".join(GIVEN[i] for i in rng.integers(len(GIVEN), size=n))


def mobile_number(rng: np.random.Generator) -> str:
    """Return a fictional 11-digit mainland mobile number starting 13–19."""
    prefix = MOBILE_PREFIXES[rng.integers(len(MOBILE_PREFIXES))]
    return prefix + "".join(str(d) for d in rng.integers(0, 10, size=9))

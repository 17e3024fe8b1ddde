"""Document numbers (文号): parse them, find them in text, and key them for lookup.

Place in the flow: the indexer calls :func:`find_docnums` / :func:`parse_docnum`
on every document's ``doc_number`` field (and titles, text heads) and stores
:attr:`DocNumber.key` and :attr:`DocNumber.pinyin_key` as exact-match terms;
the query side calls :func:`docnum_keys` on what the user typed, so
``国办发〔2019〕38号``, ``国办发[2019]38号``, ``国办发（2019）38号`` and
``Guobanfa (2019) No. 38`` all land on the same document.

A 文号 is ``issuer code + year + serial``: 国办发〔2019〕38号. Real data writes
the brackets five ways, puts spaces anywhere (豫政办 〔2022〕53号), uses
full-width digits, writes the year as ``2019年`` (国家税务总局公告2015年第41号),
drops the 号, and government decrees carry no year at all (省政府令第5号). English
news romanises the issuer code in pinyin: "Guo Fa [2017] No. 35", "Guobanfa
(2019) No. 38". English forms cannot be mapped back to Chinese (豫 and 渝 are
both "yu"), so their key is the pinyin key, which every Chinese number also has.

Speed matters (every document passes through here), so the scan is one
precompiled regex over a length-preserving fold of the text, looking for the
``(year) number`` core and then walking back to collect the issuer code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from index.errors import InputError
from index.normalize import to_simplified
from index.scripts import is_han

# --- pinyin of issuer-code characters ---------------------------------------
# Toneless pinyin for every character that occurs in the doc_number prefixes of
# policy_titles.csv.gz, plus all province abbreviations and the usual city and
# ministry codes. Generated once from CC-CEDICT's readings; polyphones were
# settled by how the character reads inside issuer codes: 长 zhang (河长办),
# 调 tiao (价调), 会 kuai (财会), 行 xing (财行 = 行政), 重 zhong, 藏 zang.
# ü is written u: people type "lu" and "lv" for 绿, and both keys must meet.
_PINYIN_GROUPS = """
ai 爱 an 安岸按案 ao 澳 ban 办版 bao 保报 bei 备 bian 便编 biao 标表 bu 不布部 cai 彩财采
can 参残餐 ce 册测 ceng 层 cha 察查 chan 产 chang 场 cheng 城称 chong 崇 chu 出处 chuan 传川
chuang 创 ci 慈 cu 促 cun 村 da 大 dai 代 dang 党档 dao 道 de 德的 deng 登 di 低地 dian 电
dong 动 du 毒督都 dun 顿 e 鄂 er 二 fa 发法 fan 范 fang 房方防 fei 废肺费非 fen 分
fu 复妇府服福 gai 改 gan 干甘赣 gang 港 gao 告高 ge 格革 gen 根 gong 供公共工 guan 关冠管
guang 广 gui 桂规贵 guo 国 hai 海 han 函汉 hang 航杭 hao 号 he 合和河 hei 黑 hong 红 hou 候后
hu 护沪湖 hua 划化 huan 环 huang 黄 hui 回挥 hun 婚 huo 火 ji 冀及吉基急技机疾积纪继绩计济
jia 价嘉家 jian 健减建检监见鉴 jiang 奖 jiao 交教 jie 节 jin 晋津禁金 jing 京境竞经 jiu 就救
ju 局居据 jun 军 kai 开 kan 刊勘 kang 康 kao 考 ke 科 kong 控 kou 口 ku 库 kuai 会 kun 昆
lao 劳老 li 理 lian 联 liao 辽 lin 林 ling 令领龄 liu 流 long 陇 lu 旅绿路鲁 luo 落 mao 贸
mei 媒 men 门 meng 蒙 min 民闽 ming 名明 mu 牧 na 纳 nan 南 neng 能 ning 宁 nong 农 pi 批
pu 普浦 qi 企其气 qian 黔 qin 秦 qing 庆清青 qiong 琼 qu 区 quan 全权 qun 群 ran 然
ren 人任认 ri 日 rong 容融榕蓉 ruan 软 sai 赛 sao 扫 sha 厦 shan 山陕 shang 上商 she 社设
shen 审深 sheng 生省 shi 事实室市施食 shu 数输蜀 shui 水税 si 司饲 su 苏 sui 绥穗 suo 所
ta 他 tai 台汰 tao 淘 te 特 ti 体 tiao 调 ting 厅 tong 统通 tou 投 tu 图土 tuan 团
tui 推退 tuo 托 wai 外 wan 皖 wang 网 wei 位卫委 wen 文 wu 务武物 xi 息西 xia 夏 xian 县
xiang 乡湘项 xiao 小消销 xie 协械 xin 信新 xing 兴行 xiu 休 xu 徐 xuan 宣 xue 学 xun 汛
yan 炎 yang 养杨洋 yao 药要 ye 业 yi 以依医已役意疫 yin 印银饮 ying 应影 yong 用甬邕
you 优幼 yu 于渔渝玉豫预 yuan 原员源院 yue 粤约 yun 云运 zai 灾 zang 藏 zao 造 zhai 债
zhan 展 zhang 长 zhao 招照 zhe 浙 zhen 振真 zheng 政整证 zhi 制执指止治知职质
zhong 中种终重 zhu 住注筑 zhuan 专转 zhuang 装 zi 字自资 zong 宗总综 zu 族组 zuo 作
dian 滇
"""


def _build_pinyin() -> dict[str, str]:
    table: dict[str, str] = {}
    tokens = _PINYIN_GROUPS.split()
    for syllable, chars in zip(tokens[::2], tokens[1::2]):
        for ch in chars:
            table[ch] = syllable
    return table


PINYIN: dict[str, str] = _build_pinyin()

# Toneless pinyin syllables (ü as u). Used to accept a Latin word as an issuer
# code only if it splits into syllables: "Guobanfa" yes, "Council's" no.
_SYLLABLE_TEXT = """
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can
cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan
chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei deng di dia
dian diao die ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang fei fen feng fo
fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha hai
han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao
jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke ken keng kong kou ku kua kuai kuan
kuang kui kun kuo la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu long
lou lu luan lue lun luo ma mai man mang mao mei men meng mi mian miao mie min ming miu mo mou mu
na nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nu nuan nue nuo o
ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao
qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong rou ru ruan rui run ruo
sa sai san sang sao se sen seng sha shai shan shang shao she shen sheng shi shou shu shua shuai
shuan shuang shui shun shuo si song sou su suan sui sun suo ta tai tan tang tao te teng ti tian
tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wu xi xia xian xiang
xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin ying yong you yu yuan yue
yun za zai zan zang zao ze zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou
zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
"""
_SYLLABLES = frozenset(_SYLLABLE_TEXT.split())

MAX_TEXT = 1_000_000  # find_docnums refuses more (a whole document is far less)


@dataclass(frozen=True)
class DocNumber:
    """One 文号. ``prefix`` is the issuer code in Chinese (国办发), or, for a number
    read from an English form, its lower-case toneless pinyin (guobanfa).
    ``year`` is 0 for decree numbers that carry none (省政府令第5号)."""

    prefix: str
    year: int
    number: int

    @property
    def is_pinyin(self) -> bool:
        """True when the number came from an English form (prefix in pinyin)."""
        return self.prefix.isascii()

    @property
    def key(self) -> str:
        """Canonical key: 国办发〔2019〕38号 whatever brackets the source used;
        the pinyin key for English forms (their Chinese is unknowable)."""
        if self.is_pinyin:
            return self.pinyin_key
        if self.year == 0:
            return f"{self.prefix}第{self.number}号"
        return f"{self.prefix}〔{self.year}〕{self.number}号"

    @property
    def pinyin_key(self) -> str:
        """guobanfa-2019-38. Characters missing from the table stay as they are
        (such a key is still exact, it just cannot be reached from English)."""
        if self.is_pinyin:
            py = self.prefix
        else:
            py = "".join(PINYIN.get(ch, ch) for ch in self.prefix)
        if self.year == 0:
            return f"{py}-{self.number}"
        return f"{py}-{self.year}-{self.number}"

    def __str__(self) -> str:
        return self.key


# --- scanning ----------------------------------------------------------------

# Length-preserving fold (offsets found on the folded text are valid on the
# original): full-width ASCII -> ASCII, odd and zero-width spaces -> space,
# tone-marked vowels -> plain ones (Guó Bàn Fā), ü -> u.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
for _cp in [0x3000, 0x00A0, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, *range(0x2000, 0x200B)]:
    _FOLD[_cp] = 0x20
for _plain, _marked in {
    "a": "āáǎàÀÁ",
    "e": "ēéěèÉÈ",
    "i": "īíǐìÍ",
    "o": "ōóǒòÓ",
    "u": "ūúǔùǖǘǚǜü",
    "U": "Ü",
}.items():
    for _ch in _marked:
        _FOLD[ord(_ch)] = _plain
_FOLD[ord("﹝")] = "〔"
_FOLD[ord("號")] = "号"  # traditional; the prefix itself is simplified in _finish
_FOLD[ord("﹞")] = "〕"


def _fold(text: str) -> str:
    return text.translate(_FOLD)


_YEAR = r"(?:19[4-9]\d|20\d\d)"
_OPEN = r"[〔\[(【〖]"
_CLOSE = r"[〕\])】〗]"
_NO = r"(?:第|[Nn][Oo][Ss]?\s*\.?)"  # 第 / No. / No / Nos.
_CORE = re.compile(
    # 〔2019〕38号, [2017] No. 35, (2019)38 -- also 〔2014〕号16, seen in real data
    rf"{_OPEN}\s*(?P<y1>{_YEAR})\s*{_CLOSE}\s*(?:{_NO}\s*)?(?P<n1>\d{{1,5}})(?!\d)(?:\s*(?P<h1>号))?"
    rf"|{_OPEN}\s*(?P<y5>{_YEAR})\s*{_CLOSE}\s*号\s*(?P<n5>\d{{1,5}})(?!\d)"
    # 2019年38号, 2015年第41号
    rf"|(?<!\d)(?P<y2>{_YEAR})\s*年\s*(?:第\s*)?(?P<n2>\d{{1,5}})(?!\d)(?:\s*(?P<h2>号))?"
    # decrees: 省政府令第5号 (the prefix must end in 令)
    r"|第\s*(?P<n3>\d{1,5})(?!\d)\s*号"
    # English without brackets: Guobanfa 2019 No. 38
    rf"|(?<!\d)(?P<y4>{_YEAR})\s*,?\s*[Nn][Oo]\s*\.?\s*(?P<n4>\d{{1,5}})(?!\d)"
)

# Words that sit right before a 文号 in running Chinese text and are never part
# of one (现将国办发…, 根据国发…, 的通知（沪府发…）).
_LEAD_WORDS = (
    "的通知",
    "的意见",
    "的决定",
    "根据",
    "依据",
    "按照",
    "参照",
    "关于",
    "印发",
    "转发",
    "贯彻",
    "落实",
    "执行",
    "文件",
    "通知",
    "号",
    "据",
    "和",
    "及",
    "与",
)
# In running text an issuer code stops at any character that never occurs in
# one (our table holds every character seen in 35,000 real numbers), and at
# these function characters that the table holds only because of scrape noise.
_TEXT_STOP = frozenset("的据已他了将由在与并是为按以即等和及见于")

_MAX_PREFIX_WHOLE = 20
_MAX_PREFIX_TEXT = 14


def _pinyin_ok(word: str) -> bool:
    """True when ``word`` (lower-case letters) splits into pinyin syllables."""
    n = len(word)
    if n == 0 or n > 40:
        return False
    ok = [True] + [False] * n
    for i in range(1, n + 1):
        for k in range(max(0, i - 6), i):
            if ok[k] and word[k:i] in _SYLLABLES:
                ok[i] = True
                break
    return ok[n]


def _latin_key(words: list[str]) -> str:
    return "".join(w.lower().replace("'", "").replace("-", "").replace("v", "u") for w in words)


@lru_cache(maxsize=4096)
def _simple_char(ch: str) -> str:
    """A traditional character's simplified form when it is one character (國 -> 国),
    else the character: issuer codes are read in simplified, offsets stay the text's."""
    simple = to_simplified(ch)
    return simple if len(simple) == 1 else ch


def _code_char(ch: str) -> bool:
    """Whether ``ch`` (or its simplified form) can stand in an issuer code in text."""
    if ch not in PINYIN:
        ch = _simple_char(ch)
    return ch in PINYIN and ch not in _TEXT_STOP


def _han_prefix(folded: str, end: int, whole: bool) -> tuple[str, int] | None:
    """Issuer code in Chinese ending just before ``end``; (prefix, start)."""
    i = end
    chars: list[str] = []
    limit = _MAX_PREFIX_WHOLE if whole else _MAX_PREFIX_TEXT
    while i > 0 and len(chars) < limit:
        ch = folded[i - 1]
        if is_han(ch):
            if not whole and not _code_char(ch) and chars:
                break
            chars.append(ch)
            i -= 1
        elif ch == " " and whole:
            i -= 1  # 国 办 发: spaces anywhere in a whole-string number
        else:
            break
    if not chars:
        return None
    prefix = "".join(reversed(chars))
    if not whole:
        if not _code_char(prefix[0]):
            return None
        # Lead words are matched in simplified (根據 as 根据); one character each way,
        # so the simplified prefix's length is the text's.
        simple = "".join(ch if ch in PINYIN else _simple_char(ch) for ch in prefix)
        changed = True
        while changed:
            changed = False
            for w in _LEAD_WORDS:
                if simple.startswith(w) and len(simple) > len(w):
                    simple = simple[len(w) :]
                    changed = True
        prefix = prefix[len(prefix) - len(simple) :]
        i = end - len(prefix)
    return prefix, i


# English words that happen to split into pinyin syllables and often stand
# capitalised right before a number in running text (sentence starts, "See").
_ENGLISH_WORDS = frozenset(
    [
        "see",
        "he",
        "she",
        "the",
        "an",
        "and",
        "in",
        "on",
        "men",
        "then",
        "when",
        "change",
        "china",
        "use",
        "die",
        "ten",
        "hen",
        "pen",
        "den",
        "sue",
        "tie",
        "lie",
        "pie",
        "gene",
        "ran",
        "per",
        "under",
    ]
)


def _latin_prefix(folded: str, end: int, whole: bool) -> tuple[str, int] | None:
    """Issuer code in pinyin ending just before ``end`` ("Guo Ban Fa")."""
    # Collect up to 8 words of letters going backwards.
    words: list[tuple[str, int]] = []
    i = end
    while len(words) < 8:
        j = i
        while j > 0 and folded[j - 1] == " ":
            j -= 1
        k = j
        while k > 0 and (
            folded[k - 1].isascii() and (folded[k - 1].isalpha() or folded[k - 1] in "'-")
        ):
            k -= 1
        if k == j:
            break
        words.append((folded[k:j], k))
        i = k
        if k > 0 and folded[k - 1] != " ":
            break
    kept: list[tuple[str, int]] = []
    for word, start in words:  # right to left: keep while each word is pinyin
        lw = word.lower().replace("'", "").replace("-", "").replace("v", "u")
        if not _pinyin_ok(lw) or (not whole and not word[0].isupper()):
            break
        if not whole and kept and lw in _ENGLISH_WORDS:
            break  # "See Guobanfa [2019] No. 38": 'See' splits into se+e but is English
        kept.append((word, start))
    if not kept or sum(len(w) for w, _ in kept) > 40:
        return None
    return _latin_key([w for w, _ in reversed(kept)]), kept[-1][1]


def _scan(folded: str, whole: bool) -> list[tuple[DocNumber, tuple[int, int]]]:
    out: list[tuple[DocNumber, tuple[int, int]]] = []
    for m in _CORE.finditer(folded):
        g = m.groupdict()
        year_s = g["y1"] or g["y2"] or g["y4"] or g["y5"]
        num_s = g["n1"] or g["n2"] or g["n3"] or g["n4"] or g["n5"]
        if num_s is None:
            continue
        end_core = m.start()
        while end_core > 0 and folded[end_core - 1] == " ":
            end_core -= 1
        if end_core == 0:
            continue
        before = folded[end_core - 1]
        found: tuple[str, int] | None = None
        if is_han(before):
            if g["y4"] is not None:
                continue  # "No." after a Chinese issuer: not a form we know
            if g["y2"] is not None and g["h2"] is None and not whole:
                continue  # 国务院2019年3 ... without 号 is a date, not a number
            found = _han_prefix(folded, end_core, whole)
            if found and g["n3"] is not None and not found[0].endswith("令"):
                continue  # 第N号 without a year is a number only for decrees
        elif before.isascii() and before.isalpha():
            if g["n3"] is not None or g["y2"] is not None:
                continue
            found = _latin_prefix(folded, end_core, whole)
        if not found:
            continue
        prefix, start = found
        year = int(year_s) if year_s else 0
        number = int(num_s)
        if number == 0:
            continue
        out.append((DocNumber(prefix, year, number), (start, m.end())))
    return out


_TRAILING_JUNK = re.compile(r"[\s〔〕\[\]()（）【】.,;:，。；：、]+$")


def parse_docnum(text: str) -> DocNumber | None:
    """Parse a string that is one document number (Chinese or English form).

    Returns None when the string is not exactly one number (garbage, a title,
    two numbers). Surrounding spaces, zero-width characters and trailing
    punctuation or empty brackets (渝府发〔2000〕48号〔〕) are tolerated.
    """
    if not isinstance(text, str) or not text or len(text) > 200:
        return None
    folded = _fold(text)
    core = _TRAILING_JUNK.sub("", folded).strip()
    if not core:
        return None
    hits = _scan(core, whole=True)
    if len(hits) != 1:
        return None
    dn, (start, end) = hits[0]
    if start != 0 or end != len(core):
        return None
    return _finish(dn)


def _finish(dn: DocNumber) -> DocNumber:
    """Traditional issuer codes (國辦發) get the simplified key."""
    if dn.is_pinyin or all(ch in PINYIN for ch in dn.prefix):
        return dn

    simple = to_simplified(dn.prefix)
    return dn if simple == dn.prefix else DocNumber(simple, dn.year, dn.number)


def find_docnums(text: str) -> list[tuple[DocNumber, tuple[int, int]]]:
    """All document numbers inside longer text, with (start, end) character
    offsets into ``text``. Chinese and English forms; in text, an English
    issuer code must be capitalised (Guo Fa, Guobanfa)."""
    if not isinstance(text, str):
        raise InputError("find_docnums expects a string", hint=f"got {type(text).__name__}")
    if not text:
        return []
    if len(text) > MAX_TEXT:
        raise InputError(
            f"text too long for document-number scanning ({len(text)} characters)",
            hint=f"pass at most {MAX_TEXT} characters at a time",
        )
    return [(_finish(dn), span) for dn, span in _scan(_fold(text), whole=False)]


# A whole 文号 typed with its year but without brackets, as copied text and speech
# give it: 粤府 2016 140号, 粤府2016140号 (brackets lost), 2016年粤府140号 (year first).
_LOOSE = re.compile(
    rf"^(?:(?P<y0>{_YEAR})\s*年\s*)?(?P<code>[^\W\d_]{{2,{_MAX_PREFIX_WHOLE}}}?)\s*"
    rf"(?:(?P<y1>{_YEAR})\s*年?\s*)?(?:第\s*)?(?P<n>\d{{1,5}})\s*号\s*(?:文件|文)?$"
)
# ... or with its parts joined by dashes or slashes, as file names and some databases
# write it: 粤府-2016-140, 国办发/2019/38号.
_DASHED = re.compile(
    rf"^(?P<code>[^\W\d_]{{2,{_MAX_PREFIX_WHOLE}}}?)\s*[-‐–—/]?\s*(?P<y1>{_YEAR})\s*[-‐–—/]\s*"
    rf"(?P<n>\d{{1,5}})\s*(?:号\s*(?:文件|文)?)?$"
)


def parse_typed(text: str) -> DocNumber | None:
    """``parse_docnum``, and on the query side also the forms people type without
    brackets (``_LOOSE``, ``_DASHED``). Only for what a user typed: a document's own 文号 field
    is read by ``parse_docnum`` alone, so indexing is unchanged."""
    dn = parse_docnum(text)
    if dn is not None or not isinstance(text, str) or len(text) > 60:
        return dn
    folded = _TRAILING_JUNK.sub("", _fold(text)).strip()
    m = _LOOSE.match(folded) or _DASHED.match(folded)
    if not m:
        return None
    y0 = m.group("y0") if "y0" in m.re.groupindex else None
    if (y0 is None) == (m.group("y1") is None):
        return None
    if m.re is _DASHED and not all(is_han(ch) and _code_char(ch) for ch in m.group("code")):
        return None  # dashes join other things too (平台经济-2019-38 is no 文号)
    year = y0 or m.group("y1")
    return parse_docnum(f"{m.group('code')}〔{year}〕{m.group('n')}号")


def docnum_keys(text: str) -> list[str]:
    """Lookup keys for what a user typed: [key] for a Chinese form,
    [pinyin_key] for an English one, the key of every year for a number typed
    without its year (``parse_yearless``), [] when it is not a document number."""
    dn = parse_typed(text)
    if dn is None:
        found = parse_yearless(text)
        return [] if found is None else yearless_keys(*found)
    return [dn.pinyin_key] if dn.is_pinyin else [dn.key]


# A number said without its year, as speech and news say it: 国办发38号, 国发35号文.
_YEARLESS = re.compile(
    r"^\s*(?P<code>[^\W\d_]{2,8}?)\s*第?\s*(?P<n>\d{1,5})\s*号\s*(?:文件|文)?\s*$"
)
FIRST_YEAR = 1949  # the first year a 文号 can carry


def parse_yearless(text: str) -> tuple[str, int] | None:
    """(issuer code in simplified, number) of a whole string that is a 文号 without its
    year (国办发38号, 國發35號文); None for anything else. The code must be made of
    characters real issuer codes use and end in a kind of document (发, 函, 字 ...)."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    m = _YEARLESS.match(_fold(text))
    if not m or not all(is_han(ch) and _code_char(ch) for ch in m.group("code")):
        return None
    code = "".join(ch if ch in PINYIN else _simple_char(ch) for ch in m.group("code"))
    if code[-1] not in _KIND_ENDS or int(m.group("n")) == 0:
        return None
    return code, int(m.group("n"))


# The last character of a yearless issuer code: the kind of document it numbers.
_KIND_ENDS = frozenset("发函字令办复电通")


def yearless_keys(code: str, number: int, this_year: int | None = None) -> list[str]:
    """The key of ``code``〔year〕``number``号 for every year, newest first."""
    import datetime

    last = this_year or datetime.date.today().year
    return [str(DocNumber(code, y, number)) for y in range(last, FIRST_YEAR - 1, -1)]

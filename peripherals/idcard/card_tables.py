"""Code tables printed on the card: sex (GB/T 2261.1) and ethnicity (GB 3304, 民族代码)."""

from __future__ import annotations

SEX_NAMES: dict[str, str] = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

# GB 3304-1991 order; 97 and 98 are the two catch-alls the card may also carry.
_ETHNICITIES = (
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
)

ETHNICITY_NAMES: dict[str, str] = {f"{i:02d}": name for i, name in enumerate(_ETHNICITIES, 1)}
ETHNICITY_NAMES["97"] = "其他"
ETHNICITY_NAMES["98"] = "外国血统中国籍人士"

SEX_CODES: dict[str, str] = {name: code for code, name in SEX_NAMES.items()}
ETHNICITY_CODES: dict[str, str] = {name: code for code, name in ETHNICITY_NAMES.items()}


def sex_name(code: str) -> str:
    """'1' -> '男'; an unknown code is kept as it was read."""
    return SEX_NAMES.get(code.strip(), code.strip())


def ethnicity_name(code: str) -> str:
    """'01' -> '汉'; an unknown code is kept as it was read."""
    return ETHNICITY_NAMES.get(code.strip(), code.strip())

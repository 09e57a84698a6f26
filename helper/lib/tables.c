/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Code tables: GB 3304 nations (ethnic groups), GB/T 2260 two-digit
 * province codes, and lookups into the ISO 3166-1 country table that
 * tools/gen-countries.py generates from Debian's iso-codes at build time.
 *
 * Two-digit codes are looked up by direct index, countries by binary
 * search over integer keys: all lookups are on the decode+validate hot
 * path.
 */
#include <errno.h>
#include <string.h>

#include "card-internal.h"

/* GB 3304-1991 (names as in card-data.md) */
static const struct cnid_nation nations[] = {
	{ "01", "汉" },       { "02", "蒙古" },     { "03", "回" },       { "04", "藏" },
	{ "05", "维吾尔" },   { "06", "苗" },       { "07", "彝" },       { "08", "壮" },
	{ "09", "布依" },     { "10", "朝鲜" },     { "11", "满" },       { "12", "侗" },
	{ "13", "瑶" },       { "14", "白" },       { "15", "土家" },     { "16", "哈尼" },
	{ "17", "哈萨克" },   { "18", "傣" },       { "19", "黎" },       { "20", "傈僳" },
	{ "21", "佤" },       { "22", "畲" },       { "23", "高山" },     { "24", "拉祜" },
	{ "25", "水" },       { "26", "东乡" },     { "27", "纳西" },     { "28", "景颇" },
	{ "29", "柯尔克孜" }, { "30", "土" },       { "31", "达斡尔" },   { "32", "仫佬" },
	{ "33", "羌" },       { "34", "布朗" },     { "35", "撒拉" },     { "36", "毛南" },
	{ "37", "仡佬" },     { "38", "锡伯" },     { "39", "阿昌" },     { "40", "普米" },
	{ "41", "塔吉克" },   { "42", "怒" },       { "43", "乌孜别克" }, { "44", "俄罗斯" },
	{ "45", "鄂温克" },   { "46", "德昂" },     { "47", "保安" },     { "48", "裕固" },
	{ "49", "京" },       { "50", "塔塔尔" },   { "51", "独龙" },     { "52", "鄂伦春" },
	{ "53", "赫哲" },     { "54", "门巴" },     { "55", "珞巴" },     { "56", "基诺" },
	{ "97", "其他" },     { "98", "外国血统中国籍人士" },
};

/* GB/T 2260 provincial-level divisions, plus 83 for Taiwan residents'
 * permits (card-data.md).  Indexed by the code's value. */
#define P(c, zh, en) [c] = { #c, zh, en }
static const struct cnid_province provinces[100] = {
	P(11, "北京", "Beijing"),          P(12, "天津", "Tianjin"),
	P(13, "河北", "Hebei"),            P(14, "山西", "Shanxi"),
	P(15, "内蒙古", "Inner Mongolia"), P(21, "辽宁", "Liaoning"),
	P(22, "吉林", "Jilin"),            P(23, "黑龙江", "Heilongjiang"),
	P(31, "上海", "Shanghai"),         P(32, "江苏", "Jiangsu"),
	P(33, "浙江", "Zhejiang"),         P(34, "安徽", "Anhui"),
	P(35, "福建", "Fujian"),           P(36, "江西", "Jiangxi"),
	P(37, "山东", "Shandong"),         P(41, "河南", "Henan"),
	P(42, "湖北", "Hubei"),            P(43, "湖南", "Hunan"),
	P(44, "广东", "Guangdong"),        P(45, "广西", "Guangxi"),
	P(46, "海南", "Hainan"),           P(50, "重庆", "Chongqing"),
	P(51, "四川", "Sichuan"),          P(52, "贵州", "Guizhou"),
	P(53, "云南", "Yunnan"),           P(54, "西藏", "Xizang (Tibet)"),
	P(61, "陕西", "Shaanxi"),          P(62, "甘肃", "Gansu"),
	P(63, "青海", "Qinghai"),          P(64, "宁夏", "Ningxia"),
	P(65, "新疆", "Xinjiang"),         P(71, "台湾", "Taiwan"),
	P(81, "香港", "Hong Kong"),        P(82, "澳门", "Macau"),
	P(83, "台湾", "Taiwan"),
};
#undef P

/* "NN" -> 0..99, or -1 */
static inline int two_digits(const char *s)
{
	if (!s || !cnid_is_digit(s[0]) || !cnid_is_digit(s[1]) || s[2] != '\0')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* The nation table is dense: 01..56 in order, then 97 and 98. */
const struct cnid_nation *cnid_nation_lookup(const char *code)
{
	int v = two_digits(code);

	if (v >= 1 && v <= 56)
		return &nations[v - 1];
	if (v == 97 || v == 98)
		return &nations[56 + v - 97];
	return NULL;
}

const struct cnid_province *cnid_province_lookup(const char *code2)
{
	int v = two_digits(code2);

	return v >= 0 && provinces[v].code ? &provinces[v] : NULL;
}

static inline uint32_t alpha3_key(const char *s)
{
	return (uint32_t)(unsigned char)s[0] << 16 | (uint32_t)(unsigned char)s[1] << 8 |
	       (unsigned char)s[2];
}

/* Binary search over the generated keys (sorted like the alpha-3 codes). */
const struct cnid_country *cnid_country_by_alpha3(const char *alpha3)
{
	size_t lo = 0, hi = cnid_countries_n;
	uint32_t key;

	if (!alpha3 || !alpha3[0] || !alpha3[1] || !alpha3[2] || alpha3[3])
		return NULL;
	key = alpha3_key(alpha3);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint32_t k = cnid_countries_alpha3_key[mid];

		if (k == key)
			return &cnid_countries[mid];
		if (key < k)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct cnid_country *cnid_country_by_numeric(unsigned numeric)
{
	size_t lo = 0, hi = cnid_countries_n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		unsigned k = cnid_countries_numeric_key[mid];

		if (k == numeric)
			return &cnid_countries[cnid_countries_by_numeric[mid]];
		if (numeric < k)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

size_t cnid_country_count(void)
{
	return cnid_countries_n;
}

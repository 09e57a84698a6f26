/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Code tables: GB 3304 nations (ethnic groups), GB/T 2260 two-digit
 * province codes, and lookups into the ISO 3166-1 country table that
 * tools/gen-countries.py generates from Debian's iso-codes at build time.
 *
 * Two-digit codes are looked up by direct index, countries by binary
 * search: all lookups are on the decode+validate hot path.
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
 * permits (card-data.md) */
static const struct cnid_province provinces[] = {
	{ "11", "北京", "Beijing" },          { "12", "天津", "Tianjin" },
	{ "13", "河北", "Hebei" },            { "14", "山西", "Shanxi" },
	{ "15", "内蒙古", "Inner Mongolia" }, { "21", "辽宁", "Liaoning" },
	{ "22", "吉林", "Jilin" },            { "23", "黑龙江", "Heilongjiang" },
	{ "31", "上海", "Shanghai" },         { "32", "江苏", "Jiangsu" },
	{ "33", "浙江", "Zhejiang" },         { "34", "安徽", "Anhui" },
	{ "35", "福建", "Fujian" },           { "36", "江西", "Jiangxi" },
	{ "37", "山东", "Shandong" },         { "41", "河南", "Henan" },
	{ "42", "湖北", "Hubei" },            { "43", "湖南", "Hunan" },
	{ "44", "广东", "Guangdong" },        { "45", "广西", "Guangxi" },
	{ "46", "海南", "Hainan" },           { "50", "重庆", "Chongqing" },
	{ "51", "四川", "Sichuan" },          { "52", "贵州", "Guizhou" },
	{ "53", "云南", "Yunnan" },           { "54", "西藏", "Xizang (Tibet)" },
	{ "61", "陕西", "Shaanxi" },          { "62", "甘肃", "Gansu" },
	{ "63", "青海", "Qinghai" },          { "64", "宁夏", "Ningxia" },
	{ "65", "新疆", "Xinjiang" },         { "71", "台湾", "Taiwan" },
	{ "81", "香港", "Hong Kong" },        { "82", "澳门", "Macau" },
	{ "83", "台湾", "Taiwan" },
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* "NN" -> 0..99, or -1 */
static inline int two_digits(const char *s)
{
	if (!cnid_is_digit(s[0]) || !cnid_is_digit(s[1]) || s[2] != '\0')
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

/* Binary search; the table above is sorted by code. */
const struct cnid_province *cnid_province_lookup(const char *code2)
{
	int v = two_digits(code2);
	size_t lo = 0, hi = N_ELEMS(provinces);

	if (v < 0)
		return NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = (provinces[mid].code[0] - '0') * 10 + (provinces[mid].code[1] - '0');

		if (c == v)
			return &provinces[mid];
		if (v < c)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct cnid_country *cnid_country_by_alpha3(const char *alpha3)
{
	size_t lo = 0, hi = cnid_countries_n;

	if (strnlen(alpha3, 4) != 3)
		return NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = memcmp(alpha3, cnid_countries[mid].alpha3, 3);

		if (c == 0)
			return &cnid_countries[mid];
		if (c < 0)
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
		const struct cnid_country *c = &cnid_countries[cnid_countries_by_numeric[mid]];

		if (c->numeric == numeric)
			return c;
		if (numeric < c->numeric)
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

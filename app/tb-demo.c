/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tb-demo.c: deterministic demo data: teams, users and plausible cases */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "tb-demo.h"
#include "tb-demo-files-private.h"
#include "tb-service.h"
#include "tb-workflow.h"

/* How far back receipts go, in calendar days. */
#define WINDOW_DAYS 90

/* Cases per tb_store_put_cases() call: what the generated strings of one batch take in memory. */
#define BATCH_SIZE 10000

/* Documents per material: the first half PDFs, the others scans. */
#define FILE_VARIANTS 4

/* ------------------------------------------------------------------------------------------ */
/* Teams and users                                                                             */

static const char * const market_teams[] = { "team-market", NULL };
static const char * const social_teams[] = { "team-social", NULL };
static const char * const no_teams[] = { NULL };

static const TbDemoTeam teams[] = {
  { "team-market", "市场准入组" },
  { "team-social", "社会事务组" },
};

static const TbDemoUser users[] = {
  { "u-wangfang", "wangfang", "王芳", TB_ROLE_CASEWORKER, market_teams },
  { "u-lina", "lina", "李娜", TB_ROLE_CASEWORKER, market_teams },
  { "u-zhangwei", "zhangwei", "张伟", TB_ROLE_CASEWORKER, market_teams },
  { "u-chenjing", "chenjing", "陈静", TB_ROLE_SUPERVISOR, market_teams },
  { "u-liuyang", "liuyang", "刘洋", TB_ROLE_CASEWORKER, social_teams },
  { "u-zhaolei", "zhaolei", "赵磊", TB_ROLE_CASEWORKER, social_teams },
  { "u-zhoumin", "zhoumin", "周敏", TB_ROLE_CASEWORKER, social_teams },
  { "u-yangfan", "yangfan", "杨帆", TB_ROLE_SUPERVISOR, social_teams },
  { "u-wuting", "wuting", "吴婷", TB_ROLE_TRAINER, no_teams },
  { "u-sunjianguo", "sunjianguo", "孙建国", TB_ROLE_AUDITOR, no_teams },
};

/* Per team: its caseworkers, then its supervisor (indexes into users[]). */
static const guint team_caseworkers[][3] = { { 0, 1, 2 }, { 4, 5, 6 } };
static const guint team_supervisor[] = { 3, 7 };

/* Which team handles which service, and how common each service is. Unknown services go to
 * the first team with weight 10. */
static const struct {
  const char *service_id;
  guint       team;
  guint       weight;
} service_mix[] = {
  { "business-licence", 0, 35 },
  { "building-permit", 0, 15 },
  { "social-insurance-transfer", 1, 35 },
  { "information-disclosure", 1, 15 },
};

/* How the cases still open spread over the states, and the closed ones over the outcomes. */
static const struct {
  const char *state;
  guint       weight;
} state_mix[] = {
  { "received", 18 },
  { "in_review", 50 },
  { "second_review", 14 },
  { "countersign", 14 },
  { "final_review", 9 },
  { "awaiting_applicant", 12 },
  { "approved", 75 },
  { "rejected", 12 },
  { "withdrawn", 13 },
};

/* ------------------------------------------------------------------------------------------ */
/* Word lists                                                                                   */

static const struct {
  const char *name;
  guint       weight;
} surnames[] = {
  { "王", 72 }, { "李", 71 }, { "张", 67 }, { "刘", 54 }, { "陈", 46 }, { "杨", 33 },
  { "赵", 21 }, { "黄", 23 }, { "周", 19 }, { "吴", 19 }, { "徐", 15 }, { "孙", 14 },
  { "胡", 13 }, { "朱", 13 }, { "高", 12 }, { "林", 12 }, { "何", 12 }, { "郭", 11 },
  { "马", 11 }, { "罗", 9 }, { "梁", 8 }, { "宋", 8 }, { "郑", 8 }, { "谢", 7 }, { "韩", 7 },
  { "唐", 7 }, { "冯", 7 }, { "于", 6 }, { "董", 6 }, { "萧", 5 }, { "程", 5 }, { "曹", 5 },
  { "袁", 5 }, { "邓", 5 }, { "许", 5 }, { "傅", 5 }, { "沈", 5 }, { "曾", 5 }, { "彭", 5 },
  { "吕", 5 }, { "苏", 4 }, { "卢", 4 }, { "蒋", 4 }, { "蔡", 4 }, { "贾", 4 }, { "丁", 4 },
  { "魏", 4 }, { "薛", 4 }, { "叶", 4 }, { "潘", 4 }, { "杜", 3 }, { "戴", 3 }, { "夏", 3 },
  { "钟", 3 }, { "汪", 3 }, { "田", 3 }, { "任", 3 }, { "姜", 3 }, { "范", 3 }, { "方", 3 },
  { "石", 3 }, { "姚", 3 }, { "谭", 3 }, { "廖", 3 }, { "邹", 3 }, { "熊", 3 }, { "金", 3 },
  { "陆", 3 }, { "郝", 2 }, { "孔", 2 }, { "白", 2 }, { "崔", 2 }, { "康", 2 }, { "毛", 2 },
  { "邱", 2 }, { "秦", 2 }, { "江", 2 }, { "史", 2 }, { "顾", 2 }, { "侯", 2 }, { "邵", 2 },
  { "孟", 2 }, { "龙", 2 }, { "万", 2 }, { "段", 2 }, { "钱", 2 }, { "汤", 2 }, { "尹", 2 },
  { "欧阳", 1 }, { "司马", 1 }, { "上官", 1 },
};

static const char * const given_names[] = {
  "芳", "伟", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
  "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "建国", "志强", "海燕", "晓燕", "婷",
  "雪", "欣怡", "子涵", "浩然", "宇轩", "梓涵", "一诺", "思远", "佳怡", "文博", "晨", "颖",
  "琳", "倩", "鹏", "飞", "斌", "辉", "波", "健", "俊", "帅", "丹", "萍", "玉兰", "红",
  "建军", "国庆", "春梅", "秀兰", "淑珍", "志明", "家豪", "嘉怡", "雨婷", "浩", "宇", "阳",
  "凯", "亮", "琴", "燕", "玲", "华", "英", "兰", "旭", "昊天", "思琪", "梦瑶", "子轩", "雅琴",
  "慧", "晶", "莉", "立新", "卫东", "晓明", "丽华", "美玲", "俊杰", "文静",
};

static const char * const company_cities[] = {
  "杭州", "宁波", "温州", "嘉兴", "绍兴", "苏州", "南京", "上海", "合肥", "成都", "武汉",
  "西安", "深圳", "广州", "北京",
};

static const char * const company_words[] = {
  "青禾", "云帆", "启明", "恒信", "汇通", "锦程", "瑞丰", "华晟", "星辰", "博远", "新禾",
  "鼎盛", "领航", "嘉禾", "睿智", "天成", "同创", "安泰", "聚源", "卓越", "长风", "明德",
  "远景", "优品", "百川", "众诚", "方圆", "弘毅", "繁星", "知行", "朗润", "清源", "泽川",
};

/* Industries, each with a business scope in the standard wording. */
static const struct {
  const char *industry;
  const char *scope;
} industries[] = {
  { "科技", "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；软件开发" },
  { "网络科技", "互联网信息服务；网络技术服务；软件开发；信息系统集成服务" },
  { "信息技术", "信息技术咨询服务；数据处理和存储支持服务；计算机系统服务" },
  { "贸易", "日用百货销售；五金产品批发；电子产品销售；货物进出口；技术进出口" },
  { "餐饮管理", "餐饮管理；餐饮服务；食品销售；外卖递送服务" },
  { "文化传媒", "组织文化艺术交流活动；广告设计、代理；广告制作；会议及展览服务" },
  { "物流", "普通货物仓储服务；国内货物运输代理；装卸搬运；供应链管理服务" },
  { "电子商务", "互联网销售（除销售需要许可的商品）；品牌管理；市场营销策划" },
  { "教育科技", "教育咨询服务（不含涉许可审批的教育培训活动）；软件开发；图书出租" },
  { "环保科技", "环境保护专用设备销售；大气污染治理；水污染治理；固体废物治理" },
  { "食品", "食品生产；食品销售；农副产品销售；食用农产品批发" },
  { "农业开发", "蔬菜种植；水果种植；农业专业及辅助性活动；农产品的生产、销售、加工" },
  { "咨询服务", "企业管理咨询；财务咨询；税务服务；商务信息咨询（不含投资类咨询）" },
  { "设计", "工业设计服务；专业设计服务；平面设计；工程和技术研究和试验发展" },
};

/* Places: the address prefix, its district, roads there, and the region code of IDs issued
 * there. */
static const struct {
  const char *prefix;
  const char *city;
  const char *district;
  const char *region;
  const char *roads[3];
} places[] = {
  { "浙江省杭州市西湖区", "杭州", "西湖区", "330106", { "文三路", "天目山路", "古墩路" } },
  { "浙江省杭州市滨江区", "杭州", "滨江区", "330108", { "江南大道", "滨盛路", "长河路" } },
  { "浙江省杭州市上城区", "杭州", "上城区", "330102", { "解放路", "庆春路", "延安路" } },
  { "浙江省宁波市海曙区", "宁波", "海曙区", "330203", { "中山西路", "解放南路", "柳汀街" } },
  { "江苏省苏州市姑苏区", "苏州", "姑苏区", "320508", { "人民路", "干将路", "十全街" } },
  { "江苏省南京市玄武区", "南京", "玄武区", "320102", { "中山路", "珠江路", "北京东路" } },
  { "上海市浦东新区", "上海", "浦东新区", "310115", { "世纪大道", "张杨路", "陆家嘴环路" } },
  { "四川省成都市武侯区", "成都", "武侯区", "510107", { "人民南路四段", "科华北路", "武侯祠大街" } },
  { "湖北省武汉市武昌区", "武汉", "武昌区", "420106", { "中南路", "武珞路", "中北路" } },
  { "陕西省西安市雁塔区", "西安", "雁塔区", "610113", { "小寨东路", "长安南路", "雁塔路" } },
  { "安徽省合肥市蜀山区", "合肥", "蜀山区", "340104", { "长江西路", "黄山路", "潜山路" } },
  { "广东省深圳市南山区", "深圳", "南山区", "440305", { "深南大道", "科技园路", "南海大道" } },
  { "北京市朝阳区", "北京", "朝阳区", "110105", { "建国路", "朝阳北路", "东三环中路" } },
};

/* Who applies for building permits. */
static const char * const developer_industries[] = {
  "置业", "房地产开发", "城市建设发展", "产业园开发", "城投建设",
};

static const char * const project_kinds[] = {
  "科创中心一期工程", "人才公寓项目", "综合楼工程", "安置房项目二期", "产业园厂房工程",
  "学校迁建工程", "社区服务中心工程", "商业综合体工程", "医院门诊楼扩建工程",
};

static const char * const disclosure_requests[] = {
  "本区老旧小区改造项目的资金安排和实施计划",
  "本街道城市管理行政处罚案件的统计数据",
  "某路段道路拓宽工程的规划许可及环境影响评价批复文件",
  "本区义务教育阶段学区划分方案及其制定依据",
  "本区财政预算执行情况及“三公”经费支出明细",
  "本市公共租赁住房轮候名单及配租结果",
  "本区河道综合整治工程的招标文件及中标结果",
  "本区食品安全监督抽检不合格产品名单及处理情况",
  "某地块房屋征收补偿安置方案及其批复文件",
  "本区养老服务补贴的发放标准和发放人数统计",
};

static const guint capitals[] = { 10, 30, 50, 100, 200, 300, 500, 1000, 2000, 5000 };

/* GB 32100-2015: the characters of a unified social credit code. */
static const char uscc_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* ------------------------------------------------------------------------------------------ */
/* Random numbers: splitmix64, one stream per case so that case i never depends on others     */

typedef struct
{
  guint64 state;
} Rng;

static guint64
rng_next (Rng *rng)
{
  guint64 z = (rng->state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static void
rng_init (Rng     *rng,
          guint64  seed,
          guint64  index)
{
  rng->state = seed ^ (index * G_GUINT64_CONSTANT (0xD1B54A32D192ED03));
  rng_next (rng);
}

/* Uniform in [0, n); the modulo bias is far below anything a demo could show. */
static guint
rng_below (Rng   *rng,
           guint  n)
{
  return n > 0 ? (guint) ((rng_next (rng) >> 11) % n) : 0;
}

static guint
rng_range (Rng   *rng,
           guint  lo,
           guint  hi)
{
  return lo + rng_below (rng, hi - lo + 1);
}

static double
rng_double (Rng *rng)
{
  return (double) (rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

static gboolean
rng_chance (Rng    *rng,
            double  p)
{
  return rng_double (rng) < p;
}

#define PICK(rng, array) ((array)[rng_below ((rng), G_N_ELEMENTS (array))])

/* ------------------------------------------------------------------------------------------ */
/* A minimal JSON writer: the forms are written straight into a GString, a million of them     */

typedef struct
{
  GString  *s;
  guint     depth;
  gboolean  after_key;
  gboolean  need_comma[8];
} Out;

static void
out_value_start (Out *o)
{
  if (o->after_key)
    o->after_key = FALSE;
  else if (o->need_comma[o->depth])
    g_string_append_c (o->s, ',');
  o->need_comma[o->depth] = TRUE;
}

static void
out_escaped (GString    *s,
             const char *text)
{
  const char *run = text;
  const char *p;

  /* Runs of characters that need no escape go in one piece: most strings are all one run. */
  g_string_append_c (s, '"');
  for (p = text; *p != '\0'; p++)
    {
      if (*p != '"' && *p != '\\' && (guchar) *p >= 0x20)
        continue;
      g_string_append_len (s, run, p - run);
      run = p + 1;
      if (*p == '"' || *p == '\\')
        {
          g_string_append_c (s, '\\');
          g_string_append_c (s, *p);
        }
      else
        g_string_append_printf (s, "\\u%04x", (guint) (guchar) *p);
    }
  g_string_append_len (s, run, p - run);
  g_string_append_c (s, '"');
}

static void
out_key (Out        *o,
         const char *key)
{
  out_value_start (o);
  out_escaped (o->s, key);
  g_string_append_c (o->s, ':');
  o->after_key = TRUE;
}

static void
out_string (Out        *o,
            const char *value)
{
  out_value_start (o);
  out_escaped (o->s, value);
}

static void
out_uint (Out   *o,
          guint  value)
{
  out_value_start (o);
  g_string_append_printf (o->s, "%u", value);
}

static void
out_double (Out    *o,
            double  value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  out_value_start (o);
  g_string_append (o->s, g_ascii_formatd (buf, sizeof buf, "%.2f", value));
}

static void
out_boolean (Out      *o,
             gboolean  value)
{
  out_value_start (o);
  g_string_append (o->s, value ? "true" : "false");
}

static void
out_open (Out  *o,
          char  bracket)
{
  out_value_start (o);
  g_string_append_c (o->s, bracket);
  g_assert (o->depth + 1 < G_N_ELEMENTS (o->need_comma));
  o->need_comma[++o->depth] = FALSE;
}

static void
out_close (Out  *o,
           char  bracket)
{
  g_string_append_c (o->s, bracket);
  o->depth--;
}

/* ------------------------------------------------------------------------------------------ */
/* The generator                                                                                */

typedef struct
{
  TbService  *service;
  TbWorkflow *workflow;
  guint       team;
  guint       weight;
  guint       limit;
  guint       extension;
  GArray     *open_states;    /* of const char *, non-terminal states */
  GArray     *open_weights;   /* of guint */
  GArray     *closed_states;
  GArray     *closed_weights;
  TbDay      *deadlines;      /* per window day: its deadline before pauses and extensions */
  guint       fresh_from;     /* first window index whose deadline is today or later */
  guint       overdue_from;   /* first window index overdue by at most ~6 weeks */
} ServiceInfo;

struct _TbDemo
{
  GObject      parent_instance;

  guint64      seed;
  TbDay        today;
  TbCalendar  *calendar;
  GPtrArray   *services;
  GPtrArray   *workflows;
  ServiceInfo *info;
  guint        n_info;
  guint        total_weight;

  /* The receipt days of the window: working days only, each with the running sum of weights. */
  TbDay       *days;
  double      *cumulative;
  guint        n_days;

  guint64      next_index;
  GStringChunk *chunk;
  GString     *scratch;

  /* The documents made so far, by material and variant: a few dozen serve every case. */
  GHashTable  *file_index;   /* material label (its address) → TbDemoFile *[FILE_VARIANTS] */
  GPtrArray   *files;        /* TbDemoFile, in the order made */
  GPtrArray   *case_files;   /* those of the case generated last (not owned) */
};

G_DEFINE_TYPE (TbDemo, tb_demo, G_TYPE_OBJECT)

/* Everything one case is generated from, decided before its form is written. */
typedef struct
{
  Rng          rng;
  TbDemo      *demo;
  ServiceInfo *info;
  TbDay        received;
  gboolean     company;
  guint        place;
  guint        industry;
  char         person[24];
  char         person_id[20];
  char         phone[12];
  char         company_name[96];
  char         address[192];
  int          from_city;
  gboolean     joint_stock;
  gboolean     one_person;
  TbDay        project_start;
  TbDay        project_end;
} Ctx;

static void
day_to_iso (TbDay  day,
            char   buf[11])
{
  GDate date;

  g_date_clear (&date, 1);
  g_date_set_julian (&date, day);
  g_snprintf (buf, 11, "%04u-%02u-%02u", g_date_get_year (&date), g_date_get_month (&date),
              g_date_get_day (&date));
}

static guint
pick_weighted (Rng          *rng,
               const GArray *weights)
{
  guint total = 0, r;

  for (guint i = 0; i < weights->len; i++)
    total += g_array_index (weights, guint, i);

  r = rng_below (rng, total);
  for (guint i = 0; i < weights->len; i++)
    {
      guint w = g_array_index (weights, guint, i);

      if (r < w)
        return i;
      r -= w;
    }

  return weights->len - 1;
}

/* A receipt day with index in [lo, hi), following the weekday pattern. */
static guint
pick_day_index (TbDemo *self,
                Rng    *rng,
                guint   lo,
                guint   hi)
{
  double base, span, target;
  guint a, b;

  if (lo >= hi)
    return self->n_days - 1;

  base = lo > 0 ? self->cumulative[lo - 1] : 0.0;
  span = self->cumulative[hi - 1] - base;
  target = base + rng_double (rng) * span;

  /* The first index whose running sum exceeds the target. */
  a = lo;
  b = hi - 1;
  while (a < b)
    {
      guint mid = a + (b - a) / 2;

      if (self->cumulative[mid] > target)
        b = mid;
      else
        a = mid + 1;
    }

  return a;
}

static void
make_person (Ctx   *ctx,
             char  *name,
             gsize  name_size,
             char   id[20])
{
  guint total = 0, r;
  const char *surname = surnames[0].name;
  char first17[18];
  GDate birth;
  guint age;

  for (guint i = 0; i < G_N_ELEMENTS (surnames); i++)
    total += surnames[i].weight;
  r = rng_below (&ctx->rng, total);
  for (guint i = 0; i < G_N_ELEMENTS (surnames); i++)
    {
      if (r < surnames[i].weight)
        {
          surname = surnames[i].name;
          break;
        }
      r -= surnames[i].weight;
    }

  g_snprintf (name, name_size, "%s%s", surname, PICK (&ctx->rng, given_names));

  /* Born 22 to 62 years before the day of receipt. */
  age = rng_range (&ctx->rng, 22, 62);
  g_date_clear (&birth, 1);
  g_date_set_julian (&birth, ctx->received);
  g_date_subtract_years (&birth, age);
  g_date_subtract_days (&birth, rng_below (&ctx->rng, 365));

  g_snprintf (first17, sizeof first17, "%s%04u%02u%02u%03u",
              places[rng_below (&ctx->rng, G_N_ELEMENTS (places))].region,
              g_date_get_year (&birth), g_date_get_month (&birth), g_date_get_day (&birth),
              rng_range (&ctx->rng, 1, 999));
  g_snprintf (id, 20, "%s%c", first17, tb_id_number_compute_check_digit (first17));
}

static void
make_phone (Ctx  *ctx,
            char  phone[12])
{
  static const char second[] = "35789";

  g_snprintf (phone, 12, "1%c%09u", second[rng_below (&ctx->rng, 5)],
              rng_below (&ctx->rng, 1000000000));
}

static void
make_address (Ctx   *ctx,
              guint  place,
              char  *buf,
              gsize  size)
{
  const char *road = places[place].roads[rng_below (&ctx->rng, 3)];

  if (rng_chance (&ctx->rng, 0.5))
    g_snprintf (buf, size, "%s%s%u号%u幢%u室", places[place].prefix, road,
                rng_range (&ctx->rng, 1, 899), rng_range (&ctx->rng, 1, 12),
                rng_range (&ctx->rng, 1, 28) * 100 + rng_range (&ctx->rng, 1, 6));
  else
    g_snprintf (buf, size, "%s%s%u号", places[place].prefix, road, rng_range (&ctx->rng, 1, 899));
}

/* A company of @city (NULL: anywhere); joint-stock ones are the exception. */
static void
make_company (Ctx        *ctx,
              const char *city,
              const char *industry,
              gboolean    joint_stock,
              char       *buf,
              gsize       size)
{
  if (city == NULL)
    city = PICK (&ctx->rng, company_cities);
  g_snprintf (buf, size, "%s%s%s%s", city, PICK (&ctx->rng, company_words), industry,
              joint_stock ? "股份有限公司" : "有限公司");
}

/* A unified social credit code (GB 32100-2015) with valid check characters, for a company
 * registered in @region. */
static void
make_uscc (Ctx        *ctx,
           const char *region,
           char        code[19])
{
  static const int org_weights[8] = { 3, 7, 9, 10, 5, 8, 4, 2 };
  int sum = 0, weight = 1, check;

  code[0] = '9';
  code[1] = '1';
  memcpy (code + 2, region, 6);

  /* The organization code (GB 11714): eight digits and a check character. */
  for (guint i = 0; i < 8; i++)
    {
      int digit = (int) rng_below (&ctx->rng, 10);
      code[8 + i] = '0' + digit;
      sum += digit * org_weights[i];
    }
  check = 11 - sum % 11;
  code[16] = check == 10 ? 'X' : check == 11 ? '0' : '0' + check;

  sum = 0;
  for (guint i = 0; i < 17; i++)
    {
      sum += (int) (strchr (uscc_chars, code[i]) - uscc_chars) * weight;
      weight = weight * 3 % 31;
    }
  check = (31 - sum % 31) % 31;
  code[17] = uscc_chars[check];
  code[18] = '\0';
}

static void
write_date (Out   *o,
            TbDay  day)
{
  char iso[11];

  day_to_iso (day, iso);
  out_string (o, iso);
}

static void
write_date_clamped (Out *o,
                    int  year,
                    int  month,
                    int  day,
                    int  min_year,
                    int  max_year)
{
  char iso[11];

  year = CLAMP (year, min_year, max_year);
  g_snprintf (iso, sizeof iso, "%04d-%02d-%02d", year, month, day);
  out_string (o, iso);
}

static void
demo_file_free (TbDemoFile *file)
{
  g_free ((char *) file->name);
  g_free ((char *) file->sha256);
  g_bytes_unref (file->bytes);
  g_free (file);
}

/* Document @variant of a material, made the first time it is asked for. "《公司章程》" is
 * "公司章程.pdf": the book-title marks are not for file names. Looked up by the label's
 * address, which the catalogue keeps for the generator's life: this runs for every file of
 * every case. */
static TbDemoFile *
demo_file (TbDemo     *self,
           const char *label,
           guint       variant)
{
  gboolean scan = variant >= FILE_VARIANTS / 2;
  TbDemoFile **variants;
  GString *name;
  TbDemoFile *file;

  variants = g_hash_table_lookup (self->file_index, label);
  if (variants == NULL)
    {
      variants = g_new0 (TbDemoFile *, FILE_VARIANTS);
      g_hash_table_insert (self->file_index, (gpointer) label, variants);
    }
  if (variants[variant] != NULL)
    return variants[variant];

  name = g_string_new (NULL);
  for (const char *p = label; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c != 0x300A && c != 0x300B)
        g_string_append_unichar (name, c);
    }

  file = g_new0 (TbDemoFile, 1);
  file->bytes = scan ? _tb_demo_files_make_scan (name->str, variant)
                     : _tb_demo_files_make_pdf (label, variant);
  file->content_type = scan ? "image/png" : "application/pdf";
  g_string_append (name, scan ? ".png" : ".pdf");
  file->name = g_string_free (name, FALSE);
  file->sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, file->bytes);

  /* Two services may name a material alike: one file. */
  for (guint i = 0; i < self->files->len; i++)
    {
      TbDemoFile *same = g_ptr_array_index (self->files, i);

      if (g_str_equal (same->sha256, file->sha256))
        {
          demo_file_free (file);
          return variants[variant] = same;
        }
    }
  variants[variant] = file;
  g_ptr_array_add (self->files, file);
  return file;
}

static void
write_file (Ctx        *ctx,
            Out        *o,
            TbDemoFile *file)
{
  out_open (o, '{');
  out_key (o, "name");
  out_string (o, file->name);
  out_key (o, "size");
  out_uint (o, (guint) g_bytes_get_size (file->bytes));
  out_key (o, "sha256");
  out_string (o, file->sha256);
  out_key (o, "content_type");
  out_string (o, file->content_type);
  out_close (o, '}');
  g_ptr_array_add (ctx->demo->case_files, file);
}

static void
write_attachments (Ctx               *ctx,
                   Out               *o,
                   const TbFormField *field)
{
  const char * const zh[] = { "zh_CN", NULL };
  TbService *service = ctx->info->service;
  double min = 0, max = 50;
  guint n = 0;

  tb_form_field_get_min (field, &min);
  tb_form_field_get_max (field, &max);

  out_open (o, '[');
  for (guint i = 0; i < tb_service_get_n_materials (service) && n < max; i++)
    {
      const TbMaterial *material = tb_service_get_material (service, i);
      const char *label = tb_material_get_label_for (material, zh);
      guint draw;

      if (!tb_material_get_required (material) && (n >= min || rng_chance (&ctx->rng, 0.7)))
        continue;

      /* One draw per file, as when it was a made-up size: the rest of the case stays the
       * same for the same seed. */
      draw = rng_range (&ctx->rng, 40, 4000);
      write_file (ctx, o, demo_file (ctx->demo, label, draw % FILE_VARIANTS));
      n++;
    }
  for (; n < min; n++)
    write_file (ctx, o, demo_file (ctx->demo, "扫描件", n % FILE_VARIANTS));
  out_close (o, ']');
}

static void
write_shareholders (Ctx *ctx,
                    Out *o,
                    int  n)
{
  int left = 100;
  int year = tb_day_get_year (ctx->received);

  out_open (o, '[');
  for (int i = 0; i < n; i++)
    {
      char name[24], id[20];
      int share;

      if (i == 0)
        {
          g_strlcpy (name, ctx->person, sizeof name);
          g_strlcpy (id, ctx->person_id, sizeof id);
        }
      else
        make_person (ctx, name, sizeof name, id);

      share = i == n - 1 ? left : (int) rng_range (&ctx->rng, 1, (guint) (left - (n - 1 - i)));
      if (i == 0 && n > 1)
        share = MAX (share, 34);
      share = MIN (share, left - (n - 1 - i));
      left -= share;

      out_open (o, '{');
      out_key (o, "name");
      out_string (o, name);
      out_key (o, "id_number");
      out_string (o, id);
      out_key (o, "share_percent");
      out_uint (o, (guint) share);
      out_key (o, "contribution_due");
      write_date_clamped (o, year + (int) rng_range (&ctx->rng, 2, 5), 12, 31, 2020, 2035);
      out_close (o, '}');
    }
  out_close (o, ']');
}

static void
write_insured_periods (Ctx               *ctx,
                       Out               *o,
                       const TbFormField *from_field)
{
  const char * const zh[] = { "zh_CN", NULL };
  guint n = rng_range (&ctx->rng, 1, 3);
  GDate end;

  g_date_clear (&end, 1);
  g_date_set_julian (&end, ctx->received);
  g_date_subtract_days (&end, rng_range (&ctx->rng, 5, 60));

  /* Written newest first, each period ending where the previous (older) one left off. */
  out_open (o, '[');
  for (guint i = 0; i < n; i++)
    {
      guint months = rng_range (&ctx->rng, 12, 96);
      char company[96], city_buf[16];
      GDate start = end;
      const char *city;

      g_date_subtract_months (&start, months);
      if (g_date_get_year (&start) < 1992)
        {
          if (i > 0)
            break;
          /* The form starts in 1992; keep one short period rather than none. */
          months = 1;
          start = end;
          g_date_subtract_months (&start, months);
        }

      if (i == 0 && from_field != NULL && ctx->from_city >= 0)
        city = tb_form_field_get_option_label (from_field, (guint) ctx->from_city, zh);
      else
        {
          g_snprintf (city_buf, sizeof city_buf, "%s市", PICK (&ctx->rng, company_cities));
          city = city_buf;
        }
      make_company (ctx, NULL,
                    industries[rng_below (&ctx->rng, G_N_ELEMENTS (industries))].industry,
                    FALSE, company, sizeof company);

      out_open (o, '{');
      out_key (o, "city");
      out_string (o, city);
      out_key (o, "employer");
      out_string (o, company);
      out_key (o, "start");
      write_date (o, g_date_get_julian (&start));
      out_key (o, "end");
      write_date (o, g_date_get_julian (&end));
      out_key (o, "months");
      out_uint (o, months);
      out_close (o, '}');

      end = start;
      g_date_subtract_days (&end, 1);
    }
  out_close (o, ']');
}

/* A value for a field the hints below do not know: anything its type and bounds accept. */
static void write_generic (Ctx *ctx, Out *o, const TbFormField *field);

static void
write_generic_row (Ctx               *ctx,
                   Out               *o,
                   const TbFormField *table)
{
  out_open (o, '{');
  for (guint i = 0; i < tb_form_field_get_n_columns (table); i++)
    {
      const TbFormField *column = tb_form_field_get_column (table, i);

      if (!tb_form_field_get_required (column) || tb_form_field_get_pattern (column) != NULL)
        continue;
      out_key (o, tb_form_field_get_id (column));
      write_generic (ctx, o, column);
    }
  out_close (o, '}');
}

static void
write_generic (Ctx               *ctx,
               Out               *o,
               const TbFormField *field)
{
  double min = 0, max = 0;
  gboolean has_min = tb_form_field_get_min (field, &min);
  gboolean has_max = tb_form_field_get_max (field, &max);
  guint n_options = tb_form_field_get_n_options (field);

  switch (tb_form_field_get_field_type (field))
    {
    case TB_FIELD_TEXT:
    case TB_FIELD_MULTILINE:
      {
        g_autoptr(GString) text = g_string_new (ctx->person);

        while (has_min && g_utf8_strlen (text->str, -1) < min)
          g_string_append (text, "。");
        out_string (o, text->str);
      }
      break;
    case TB_FIELD_ADDRESS:
      out_string (o, ctx->address);
      break;
    case TB_FIELD_NUMBER:
      {
        double lo = has_min ? min : 1, hi = has_max ? max : lo + 100;
        double value = lo + rng_double (&ctx->rng) * (hi - lo);

        /* Whole numbers inside the bounds exist unless the bounds are less than one apart. */
        if (tb_form_field_get_integer (field) && ceil (lo) <= floor (hi))
          value = CLAMP (round (value), ceil (lo), floor (hi));
        out_double (o, value);
      }
      break;
    case TB_FIELD_DATE:
      if (tb_form_field_get_min_date (field) != NULL || tb_form_field_get_max_date (field) != NULL)
        out_string (o, tb_form_field_get_min_date (field) != NULL
                         && strcmp (tb_form_field_get_min_date (field), "today") != 0
                       ? tb_form_field_get_min_date (field)
                       : tb_form_field_get_max_date (field));
      else
        write_date (o, ctx->received);
      break;
    case TB_FIELD_CHOICE:
      out_string (o, tb_form_field_get_option_value (field, rng_below (&ctx->rng, n_options)));
      break;
    case TB_FIELD_MULTI_CHOICE:
      out_open (o, '[');
      out_string (o, tb_form_field_get_option_value (field, rng_below (&ctx->rng, n_options)));
      out_close (o, ']');
      break;
    case TB_FIELD_BOOLEAN:
      out_boolean (o, tb_form_field_get_required (field) || rng_chance (&ctx->rng, 0.5));
      break;
    case TB_FIELD_ID_NUMBER:
      out_string (o, ctx->person_id);
      break;
    case TB_FIELD_PHONE:
      out_string (o, ctx->phone);
      break;
    case TB_FIELD_TABLE:
      out_open (o, '[');
      for (guint i = 0; i < (has_min && min > 1 ? (guint) min : 1); i++)
        write_generic_row (ctx, o, field);
      out_close (o, ']');
      break;
    case TB_FIELD_ATTACHMENT:
      write_attachments (ctx, o, field);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Writes @field's value, or nothing for an optional field left empty. The ids of the bundled
 * catalogue get values that make sense together; any other field a generic one. */
static void
write_field (Ctx               *ctx,
             Out               *o,
             const TbFormField *field)
{
  const char *id = tb_form_field_get_id (field);
  TbService *service = ctx->info->service;
  Rng *rng = &ctx->rng;
  char buf[192];

#define IS(name) (strcmp (id, (name)) == 0)
#define KEY() out_key (o, id)

  if (IS ("company_name") || IS ("builder_name"))
    {
      KEY ();
      out_string (o, ctx->company_name);
    }
  else if (IS ("uscc"))
    {
      /* A new company has none yet; an organisation asking for information has one. */
      if (ctx->company && strcmp (tb_service_get_id (service), "business-licence") != 0)
        {
          make_uscc (ctx, places[ctx->place].region, buf);
          KEY ();
          out_string (o, buf);
        }
    }
  else if (IS ("builder_uscc") || IS ("contractor_uscc"))
    {
      make_uscc (ctx, places[ctx->place].region, buf);
      KEY ();
      out_string (o, buf);
    }
  else if (IS ("contractor_name") || IS ("supervision_company"))
    {
      if (IS ("supervision_company") && rng_chance (rng, 0.1))
        return;
      g_snprintf (buf, sizeof buf, "%s%s%s", PICK (rng, company_cities), PICK (rng, company_words),
                  IS ("contractor_name") ? "建设集团有限公司" : "工程监理有限公司");
      KEY ();
      out_string (o, buf);
    }
  else if (IS ("company_type"))
    {
      /* The name already says whether it is a joint-stock company. */
      ctx->one_person = !ctx->joint_stock && rng_chance (rng, 0.2);
      KEY ();
      out_string (o, ctx->joint_stock ? "joint_stock" : ctx->one_person ? "one_person_llc" : "llc");
    }
  else if (IS ("registered_capital"))
    {
      KEY ();
      out_uint (o, PICK (rng, capitals));
    }
  else if (IS ("business_scope"))
    {
      KEY ();
      out_string (o, industries[ctx->industry].scope);
    }
  else if (IS ("operating_term"))
    {
      KEY ();
      out_string (o, rng_chance (rng, 0.8) ? "unlimited" : rng_chance (rng, 0.5) ? "years_20"
                                                                                 : "years_30");
    }
  else if (IS ("legal_rep_name") || IS ("name") || IS ("project_manager"))
    {
      KEY ();
      out_string (o, ctx->person);
    }
  else if (IS ("applicant_name"))
    {
      KEY ();
      out_string (o, ctx->company ? ctx->company_name : ctx->person);
    }
  else if (IS ("applicant_type"))
    {
      KEY ();
      out_string (o, ctx->company ? "organisation" : "citizen");
    }
  else if (IS ("legal_rep_id_number") || IS ("project_manager_id_number") || IS ("id_number"))
    {
      if (IS ("id_number") && ctx->company)
        return;
      KEY ();
      out_string (o, ctx->person_id);
    }
  else if (tb_form_field_get_field_type (field) == TB_FIELD_PHONE)
    {
      KEY ();
      out_string (o, ctx->phone);
    }
  else if (tb_form_field_get_field_type (field) == TB_FIELD_ADDRESS && !IS ("project_address"))
    {
      KEY ();
      out_string (o, ctx->address);
    }
  else if (IS ("project_address"))
    {
      make_address (ctx, ctx->place, buf, sizeof buf);
      KEY ();
      out_string (o, buf);
    }
  else if (IS ("email"))
    {
      static const char letters[] = "abcdefghijklmnopqrstuvwxyz";
      static const char * const domains[] = { "163.com", "qq.com", "126.com", "example.cn" };
      char user[9];

      if (rng_chance (rng, 0.5))
        return;
      for (guint i = 0; i < 6; i++)
        user[i] = letters[rng_below (rng, 26)];
      user[6] = '\0';
      g_snprintf (buf, sizeof buf, "%s%u@%s", user, rng_below (rng, 1000), PICK (rng, domains));
      KEY ();
      out_string (o, buf);
    }
  else if (IS ("information_description"))
    {
      KEY ();
      out_string (o, PICK (rng, disclosure_requests));
    }
  else if (IS ("formats"))
    {
      KEY ();
      out_open (o, '[');
      out_string (o, rng_chance (rng, 0.7) ? "electronic" : "paper");
      if (rng_chance (rng, 0.1))
        out_string (o, "disc");
      out_close (o, ']');
    }
  else if (IS ("delivery"))
    {
      static const char * const ways[] = { "email", "email", "post", "collect" };
      KEY ();
      out_string (o, PICK (rng, ways));
    }
  else if (IS ("insurance_types"))
    {
      KEY ();
      out_open (o, '[');
      out_string (o, "pension");
      if (rng_chance (rng, 0.8))
        out_string (o, "medical");
      if (rng_chance (rng, 0.3))
        out_string (o, "unemployment");
      out_close (o, ']');
    }
  else if (IS ("from_city") || IS ("to_city"))
    {
      guint n = tb_form_field_get_n_options (field);
      guint choice = rng_below (rng, n);

      if (IS ("from_city"))
        ctx->from_city = (int) choice;
      else if (ctx->from_city >= 0 && choice == (guint) ctx->from_city)
        choice = (choice + 1 + rng_below (rng, n - 1)) % n;
      KEY ();
      out_string (o, tb_form_field_get_option_value (field, choice));
    }
  else if (IS ("reason"))
    {
      guint r = rng_below (rng, 10);
      KEY ();
      out_string (o, r < 7 ? "new_job" : r < 9 ? "household_move" : "other");
    }
  else if (IS ("new_employer"))
    {
      if (rng_chance (rng, 0.2))
        return;
      make_company (ctx, NULL, industries[rng_below (rng, G_N_ELEMENTS (industries))].industry,
                    FALSE, buf, sizeof buf);
      KEY ();
      out_string (o, buf);
    }
  else if (IS ("shareholders"))
    {
      KEY ();
      write_shareholders (ctx, o, ctx->one_person ? 1 : (int) rng_range (rng, 1, 3));
    }
  else if (IS ("insured_periods"))
    {
      KEY ();
      write_insured_periods (ctx, o, tb_service_lookup_field (service, "from_city"));
    }
  else if (IS ("project_name"))
    {
      g_snprintf (buf, sizeof buf, "%s%s%s", places[ctx->place].district,
                  PICK (rng, company_words), PICK (rng, project_kinds));
      KEY ();
      out_string (o, buf);
    }
  else if (IS ("project_code"))
    {
      int year = tb_day_get_year (ctx->received) % 100;

      if (rng_chance (rng, 0.15))
        return;
      g_snprintf (buf, sizeof buf, "%02d%02u-%s-04-01-%06u", year, rng_range (rng, 1, 12),
                  places[ctx->place].region, rng_below (rng, 1000000));
      KEY ();
      out_string (o, buf);
    }
  else if (IS ("floor_area"))
    {
      KEY ();
      out_double (o, rng_range (rng, 2000, 200000) + rng_below (rng, 100) / 100.0);
    }
  else if (IS ("contract_price"))
    {
      KEY ();
      out_uint (o, rng_range (rng, 800, 200000));
    }
  else if (IS ("structure"))
    {
      guint n = tb_form_field_get_n_options (field);

      KEY ();
      out_string (o, tb_form_field_get_option_value (field, rng_below (rng, n)));
    }
  else if (IS ("floors"))
    {
      KEY ();
      out_uint (o, rng_range (rng, 2, 40));
    }
  else if (IS ("planned_start") || IS ("planned_completion"))
    {
      /* The start a few weeks after receipt, completion one to three years later. */
      if (ctx->project_start == TB_DAY_INVALID)
        {
          ctx->project_start = ctx->received + rng_range (rng, 10, 60);
          ctx->project_end = ctx->project_start + rng_range (rng, 300, 1100);
        }
      KEY ();
      write_date (o, IS ("planned_start") ? ctx->project_start : ctx->project_end);
    }
  else if (IS ("planning_permit_number"))
    {
      g_snprintf (buf, sizeof buf, "建字第%s%d%05u号", places[ctx->place].region,
                  tb_day_get_year (ctx->received), rng_below (rng, 100000));
      KEY ();
      out_string (o, buf);
    }
  else if (tb_form_field_get_field_type (field) == TB_FIELD_ATTACHMENT)
    {
      if (!tb_form_field_get_required (field) && rng_chance (rng, 0.4))
        return;
      KEY ();
      write_attachments (ctx, o, field);
    }
  else if (IS ("declaration"))
    {
      KEY ();
      out_boolean (o, TRUE);
    }
  else
    {
      if (!tb_form_field_get_required (field) || tb_form_field_get_pattern (field) != NULL)
        return;
      KEY ();
      write_generic (ctx, o, field);
    }

#undef IS
#undef KEY
}

static void
write_form (Ctx     *ctx,
            GString *s)
{
  TbService *service = ctx->info->service;
  Out o = { s, 0, FALSE, { FALSE } };

  g_string_truncate (s, 0);
  out_open (&o, '{');
  for (guint i = 0; i < tb_service_get_n_sections (service); i++)
    {
      const TbFormSection *section = tb_service_get_section (service, i);

      for (guint j = 0; j < tb_form_section_get_n_fields (section); j++)
        write_field (ctx, &o, tb_form_section_get_field (section, j));
    }
  out_close (&o, '}');
}

static const char *
chunk_printf (GStringChunk *chunk,
              const char   *format,
              ...) G_GNUC_PRINTF (2, 3);

static const char *
chunk_printf (GStringChunk *chunk,
              const char   *format,
              ...)
{
  char buf[64];
  va_list args;

  va_start (args, format);
  g_vsnprintf (buf, sizeof buf, format, args);
  va_end (args);

  return g_string_chunk_insert (chunk, buf);
}

/* Case @index of the data set, its strings put in @chunk. */
static void
generate_case (TbDemo       *self,
               guint64       index,
               GStringChunk *chunk,
               GString      *scratch,
               TbCaseRecord *out)
{
  Ctx ctx = { { 0 }, self, NULL, TB_DAY_INVALID, FALSE, 0, 0, "", "", "", "", "", -1, FALSE,
              FALSE, TB_DAY_INVALID, TB_DAY_INVALID };
  ServiceInfo *info;
  const char *state;
  gboolean closed, paused = FALSE;
  guint day_index, r, team, today_index = self->n_days - 1;
  TbDay deadline;
  guint8 uuid[16];

  /* Every member the generator does not set (newer ones included) is zero: NULL, FALSE. */
  memset (out, 0, sizeof *out);
  g_ptr_array_set_size (self->case_files, 0);
  rng_init (&ctx.rng, self->seed, index);

  /* Service, by weight. */
  r = rng_below (&ctx.rng, self->total_weight);
  info = &self->info[self->n_info - 1];
  for (guint i = 0; i < self->n_info; i++)
    {
      if (r < self->info[i].weight)
        {
          info = &self->info[i];
          break;
        }
      r -= self->info[i].weight;
    }
  ctx.info = info;

  /* About a third closed, received any time in the window; open cases mostly within their time
   * limit, some overdue, some waiting for the applicant. */
  closed = info->closed_states->len > 0 && rng_chance (&ctx.rng, 0.35);
  if (closed)
    {
      state = g_array_index (info->closed_states, const char *,
                             pick_weighted (&ctx.rng, info->closed_weights));
      day_index = pick_day_index (self, &ctx.rng, 0, self->n_days);
    }
  else
    {
      state = g_array_index (info->open_states, const char *,
                             pick_weighted (&ctx.rng, info->open_weights));
      paused = tb_workflow_pauses_clock (info->workflow, state);

      if (paused)
        day_index = pick_day_index (self, &ctx.rng, info->overdue_from, self->n_days);
      else if (info->limit > 0 && rng_chance (&ctx.rng, 0.08))
        day_index = pick_day_index (self, &ctx.rng, info->overdue_from, info->fresh_from);
      else
        day_index = pick_day_index (self, &ctx.rng, info->limit > 0 ? info->fresh_from : 0,
                                    self->n_days);
    }

  ctx.received = self->days[day_index];
  deadline = info->deadlines[day_index];
  out->paused_since = TB_DAY_INVALID;

  if (paused)
    {
      /* Returned on a working day after receipt (or the same day) and before the deadline. */
      guint last = today_index;

      while (last > day_index && deadline != TB_DAY_INVALID && self->days[last] >= deadline)
        last--;
      out->paused_since = self->days[day_index + rng_below (&ctx.rng, last - day_index + 1)];
    }
  else if (!closed && deadline != TB_DAY_INVALID && day_index < today_index
           && strcmp (state, tb_workflow_get_initial_state (info->workflow)) != 0
           && rng_chance (&ctx.rng, 0.15))
    {
      /* Returned once and resubmitted: the clock stood still in between. */
      guint a = day_index + rng_below (&ctx.rng, today_index - day_index);
      guint b = a + 1 + rng_below (&ctx.rng, today_index - a);
      TbDayRange pause = { self->days[a], self->days[b] };
      /* The shared clock rule (tb_wire_apply_clock): the working days in (returned, resubmitted]. */
      guint stood = tb_calendar_count_working_days (self->calendar, pause.first, pause.last,
                                                    NULL, 0);

      deadline = tb_calendar_add_working_days (self->calendar, deadline, stood);
    }

  /* Extended, with approval, once the case has been in review for a while. */
  if (!closed && info->extension > 0 && deadline != TB_DAY_INVALID
      && strcmp (state, "in_review") == 0 && today_index - day_index >= 5
      && rng_chance (&ctx.rng, 0.12))
    deadline = tb_calendar_add_working_days (self->calendar, deadline, info->extension);

  /* Who applies. */
  ctx.company = tb_service_accepts_applicant_kind (info->service, "company")
                && (!tb_service_accepts_applicant_kind (info->service, "person")
                    || rng_chance (&ctx.rng, 0.3));
  ctx.place = rng_below (&ctx.rng, G_N_ELEMENTS (places));
  ctx.industry = rng_below (&ctx.rng, G_N_ELEMENTS (industries));
  make_person (&ctx, ctx.person, sizeof ctx.person, ctx.person_id);
  make_phone (&ctx, ctx.phone);
  make_address (&ctx, ctx.place, ctx.address, sizeof ctx.address);
  if (ctx.company)
    {
      const char *industry = industries[ctx.industry].industry;

      if (strcmp (tb_service_get_id (info->service), "building-permit") == 0)
        industry = PICK (&ctx.rng, developer_industries);
      ctx.joint_stock = rng_chance (&ctx.rng, 0.1);
      make_company (&ctx, places[ctx.place].city, industry, ctx.joint_stock, ctx.company_name,
                    sizeof ctx.company_name);
    }

  /* Who handles it: the service's team; new cases wait in the team queue, the higher review
   * levels sit with the supervisor. */
  team = info->team;
  if (strcmp (state, tb_workflow_get_initial_state (info->workflow)) == 0
      && rng_chance (&ctx.rng, 0.7))
    out->assignee_id = NULL;
  else if (strcmp (state, "second_review") == 0 || strcmp (state, "final_review") == 0)
    out->assignee_id = users[team_supervisor[team]].id;
  else
    out->assignee_id = users[team_caseworkers[team][rng_below (&ctx.rng, 3)]].id;

  for (guint i = 0; i < 16; i += 8)
    {
      guint64 bits = rng_next (&ctx.rng);

      for (guint j = 0; j < 8; j++)
        uuid[i + j] = (guint8) (bits >> (8 * j));
    }
  uuid[6] = (uuid[6] & 0x0f) | 0x40;
  uuid[8] = (uuid[8] & 0x3f) | 0x80;

  out->id = chunk_printf (chunk, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                          "%02x%02x%02x%02x%02x%02x",
                          uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7],
                          uuid[8], uuid[9], uuid[10], uuid[11], uuid[12], uuid[13], uuid[14],
                          uuid[15]);
  out->ref = chunk_printf (chunk, "TB-%04d-%06" G_GUINT64_FORMAT,
                           tb_day_get_year (ctx.received), index + 1);
  out->service_id = tb_service_get_id (info->service);
  out->state = state;
  out->team_id = teams[team].id;
  out->applicant_name = g_string_chunk_insert (chunk, ctx.person);
  out->applicant_kind = ctx.company ? "company" : "person";
  out->company_name = ctx.company ? g_string_chunk_insert (chunk, ctx.company_name) : NULL;
  out->received_on = ctx.received;
  out->deadline = deadline;
  out->closed = closed;
  out->version = 1;

  write_form (&ctx, scratch);
  out->form_json = g_string_chunk_insert_len (chunk, scratch->str, (gssize) scratch->len);
}

/* ------------------------------------------------------------------------------------------ */
/* Set-up                                                                                       */

static void
service_info_clear (ServiceInfo *info)
{
  g_clear_pointer (&info->open_states, g_array_unref);
  g_clear_pointer (&info->open_weights, g_array_unref);
  g_clear_pointer (&info->closed_states, g_array_unref);
  g_clear_pointer (&info->closed_weights, g_array_unref);
  g_clear_pointer (&info->deadlines, g_free);
}

static guint
state_weight (const char *state)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_mix); i++)
    if (strcmp (state_mix[i].state, state) == 0)
      return state_mix[i].weight;

  return 10;
}

static gboolean
setup_service (TbDemo      *self,
               ServiceInfo *info,
               TbService   *service,
               GError     **error)
{
  const char * const *states;
  TbDay today = self->today;

  info->service = service;
  info->team = 0;
  info->weight = 10;
  for (guint i = 0; i < G_N_ELEMENTS (service_mix); i++)
    if (strcmp (service_mix[i].service_id, tb_service_get_id (service)) == 0)
      {
        info->team = service_mix[i].team;
        info->weight = service_mix[i].weight;
      }

  for (guint i = 0; i < self->workflows->len && info->workflow == NULL; i++)
    if (g_strcmp0 (tb_workflow_get_id (g_ptr_array_index (self->workflows, i)),
                   tb_service_get_workflow_id (service)) == 0)
      info->workflow = g_ptr_array_index (self->workflows, i);

  if (info->workflow == NULL)
    {
      g_set_error (error, TB_SERVICE_ERROR, TB_SERVICE_ERROR_NOT_FOUND,
                   _("The service “%s” follows the workflow “%s”, which is not bundled"),
                   tb_service_get_id (service), tb_service_get_workflow_id (service));
      return FALSE;
    }

  info->limit = tb_service_get_time_limit (service);
  info->extension = tb_service_get_extension_days (service);
  info->open_states = g_array_new (FALSE, FALSE, sizeof (const char *));
  info->open_weights = g_array_new (FALSE, FALSE, sizeof (guint));
  info->closed_states = g_array_new (FALSE, FALSE, sizeof (const char *));
  info->closed_weights = g_array_new (FALSE, FALSE, sizeof (guint));

  states = tb_workflow_get_states (info->workflow);
  for (guint i = 0; states[i] != NULL; i++)
    {
      guint weight = state_weight (states[i]);

      if (tb_workflow_is_terminal (info->workflow, states[i]))
        {
          g_array_append_val (info->closed_states, states[i]);
          g_array_append_val (info->closed_weights, weight);
        }
      else
        {
          g_array_append_val (info->open_states, states[i]);
          g_array_append_val (info->open_weights, weight);
        }
    }

  /* The deadline of a receipt on each window day, and where "still in time" and "overdue by
   * at most 30 working days" start. */
  info->deadlines = g_new0 (TbDay, self->n_days);
  info->fresh_from = self->n_days;
  info->overdue_from = 0;
  for (guint i = 0; i < self->n_days; i++)
    {
      if (info->limit == 0)
        continue;

      info->deadlines[i] = tb_calendar_add_working_days (self->calendar, self->days[i],
                                                         info->limit);
      if (info->deadlines[i] >= today && info->fresh_from == self->n_days)
        info->fresh_from = i;
      if (info->deadlines[i] < today
          && tb_calendar_count_working_days (self->calendar, info->deadlines[i], today,
                                             NULL, 0) > 30)
        info->overdue_from = i + 1;
    }

  if (info->overdue_from >= info->fresh_from)
    info->overdue_from = 0;

  return TRUE;
}

static void
tb_demo_finalize (GObject *object)
{
  TbDemo *self = (TbDemo *) object;

  for (guint i = 0; i < self->n_info; i++)
    service_info_clear (&self->info[i]);
  g_free (self->info);
  g_free (self->days);
  g_free (self->cumulative);
  g_clear_pointer (&self->calendar, tb_calendar_unref);
  g_clear_pointer (&self->services, g_ptr_array_unref);
  g_clear_pointer (&self->workflows, g_ptr_array_unref);
  g_string_chunk_free (self->chunk);
  g_string_free (self->scratch, TRUE);
  g_clear_pointer (&self->file_index, g_hash_table_unref);
  g_clear_pointer (&self->case_files, g_ptr_array_unref);
  g_clear_pointer (&self->files, g_ptr_array_unref);

  G_OBJECT_CLASS (tb_demo_parent_class)->finalize (object);
}

static void
tb_demo_class_init (TbDemoClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tb_demo_finalize;
}

static void
tb_demo_init (TbDemo *self)
{
  self->chunk = g_string_chunk_new (4096);
  self->scratch = g_string_sized_new (2048);
  self->file_index = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->files = g_ptr_array_new_with_free_func ((GDestroyNotify) demo_file_free);
  self->case_files = g_ptr_array_new ();
}

/**
 * tb_demo_new:
 * @seed: any number; the same seed (and @today) gives the same data, byte for byte
 * @today: the day the data is made for: receipts fall in the 90 days up to it
 * @error: return location for a #GError
 *
 * Creates a generator of demo cases over the bundled catalogue and official calendar.
 * Receipts follow the week (more on Monday and Tuesday, none on days off, some on make-up
 * working days); about a third of the cases are closed; of the open ones most are within
 * their time limit, some overdue, some waiting for the applicant with the clock paused.
 *
 * Returns: (transfer full) (nullable): the generator, or %NULL with @error set
 */
TbDemo *
tb_demo_new (guint64   seed,
             TbDay     today,
             GError  **error)
{
  g_autoptr(TbDemo) self = NULL;
  g_autoptr(GArray) days = NULL;
  g_autoptr(GArray) cumulative = NULL;
  double sum = 0;

  g_return_val_if_fail (today > WINDOW_DAYS, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (TB_TYPE_DEMO, NULL);
  self->seed = seed;
  self->today = today;
  self->calendar = tb_calendar_new ();

  if (!tb_calendar_load_bundled (self->calendar, error))
    return NULL;

  if (!(self->services = tb_service_load_bundled_catalogue (&self->workflows, error)))
    return NULL;

  days = g_array_new (FALSE, FALSE, sizeof (TbDay));
  cumulative = g_array_new (FALSE, FALSE, sizeof (double));
  for (TbDay day = today - WINDOW_DAYS; day <= today; day++)
    {
      /* Monday is the busiest day of a service hall, Friday the quietest; a make-up working
       * day on a weekend is quieter still. */
      static const double weekday_weight[] = { 0, 1.3, 1.2, 1.0, 1.0, 0.9, 0.8, 0.8 };
      GDate date;

      if (!tb_calendar_is_working_day (self->calendar, day))
        continue;

      g_date_clear (&date, 1);
      g_date_set_julian (&date, day);
      sum += weekday_weight[g_date_get_weekday (&date)];
      g_array_append_val (days, day);
      g_array_append_val (cumulative, sum);
    }

  /* A window without working days is not a real calendar; keep @today to stay usable. */
  if (days->len == 0)
    {
      sum = 1;
      g_array_append_val (days, today);
      g_array_append_val (cumulative, sum);
    }

  self->n_days = days->len;
  self->days = (TbDay *) g_array_free (g_steal_pointer (&days), FALSE);
  self->cumulative = (double *) g_array_free (g_steal_pointer (&cumulative), FALSE);

  self->n_info = self->services->len;
  self->info = g_new0 (ServiceInfo, self->n_info);
  for (guint i = 0; i < self->n_info; i++)
    {
      if (!setup_service (self, &self->info[i], g_ptr_array_index (self->services, i), error))
        return NULL;
      self->total_weight += self->info[i].weight;
    }

  return g_steal_pointer (&self);
}

/**
 * tb_demo_get_calendar:
 * @self: a #TbDemo
 *
 * Returns: (transfer none): the official calendar the deadlines were computed with
 */
TbCalendar *
tb_demo_get_calendar (TbDemo *self)
{
  g_return_val_if_fail (TB_IS_DEMO (self), NULL);

  return self->calendar;
}

/**
 * tb_demo_get_services:
 * @self: a #TbDemo
 *
 * Returns: (transfer none) (element-type TbService): the catalogue the cases are of
 */
GPtrArray *
tb_demo_get_services (TbDemo *self)
{
  g_return_val_if_fail (TB_IS_DEMO (self), NULL);

  return self->services;
}

/**
 * tb_demo_get_workflows:
 * @self: a #TbDemo
 *
 * Returns: (transfer none) (element-type TbWorkflow): the workflows of the catalogue
 */
GPtrArray *
tb_demo_get_workflows (TbDemo *self)
{
  g_return_val_if_fail (TB_IS_DEMO (self), NULL);

  return self->workflows;
}

/**
 * tb_demo_next_case:
 * @self: a #TbDemo
 * @out: (out caller-allocates): the case
 *
 * Generates the next case. Case number i (from 0) depends only on the seed, the day and i,
 * not on the cases before it; its reference is "TB-<year of receipt>-<i + 1>", unique. The
 * strings of @out stay valid until the next call.
 *
 * Returns: %TRUE (%FALSE only after 2³² cases)
 */
gboolean
tb_demo_next_case (TbDemo       *self,
                   TbCaseRecord *out)
{
  g_return_val_if_fail (TB_IS_DEMO (self), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (self->next_index > G_MAXUINT32)
    return FALSE;

  g_string_chunk_clear (self->chunk);
  generate_case (self, self->next_index++, self->chunk, self->scratch, out);
  return TRUE;
}

/**
 * tb_demo_get_files:
 * @self: a #TbDemo
 *
 * The documents the cases generated so far attach: a small pool (a few per material) that
 * every case draws from. A server seeded with the demo keeps them, so that they open.
 *
 * Returns: (transfer none) (element-type TbDemoFile): the files, valid as long as @self
 */
GPtrArray *
tb_demo_get_files (TbDemo *self)
{
  g_return_val_if_fail (TB_IS_DEMO (self), NULL);

  return self->files;
}

/**
 * tb_demo_get_case_files:
 * @self: a #TbDemo
 *
 * Returns: (transfer none) (element-type TbDemoFile): the files the case generated last
 *   attaches, in form order (a file may come twice); valid until the next case
 */
GPtrArray *
tb_demo_get_case_files (TbDemo *self)
{
  g_return_val_if_fail (TB_IS_DEMO (self), NULL);

  return self->case_files;
}

/**
 * tb_demo_get_teams:
 * @n_teams: (out): return location for the number of teams
 *
 * Returns: (array length=n_teams) (transfer none): the demo teams
 */
const TbDemoTeam *
tb_demo_get_teams (guint *n_teams)
{
  g_return_val_if_fail (n_teams != NULL, NULL);

  *n_teams = G_N_ELEMENTS (teams);
  return teams;
}

/**
 * tb_demo_get_users:
 * @n_users: (out): return location for the number of users
 *
 * Two teams of three caseworkers and a supervisor, a trainer and an auditor. Logins are the
 * pinyin of the names ("wangfang" is 王芳), ids "u-" and the login.
 *
 * Returns: (array length=n_users) (transfer none): the demo users
 */
const TbDemoUser *
tb_demo_get_users (guint *n_users)
{
  g_return_val_if_fail (n_users != NULL, NULL);

  *n_users = G_N_ELEMENTS (users);
  return users;
}

static gboolean
put_reference_data (TbDemo   *self,
                    TbStore  *store,
                    GError  **error)
{
  char buf[32];

  for (guint i = 0; i < self->workflows->len; i++)
    {
      TbWorkflow *workflow = g_ptr_array_index (self->workflows, i);

      if (!tb_store_put_workflow (store, tb_workflow_get_id (workflow),
                                  tb_workflow_get_definition (workflow), error))
        return FALSE;
    }

  for (guint i = 0; i < self->services->len; i++)
    {
      TbService *service = g_ptr_array_index (self->services, i);

      if (!tb_store_put_service (store, tb_service_get_id (service),
                                 tb_service_get_definition (service), error))
        return FALSE;
    }

  if (!tb_store_put_calendar (store, self->calendar, error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (teams); i++)
    if (!tb_store_put_team (store, teams[i].id, teams[i].name, error))
      return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    if (!tb_store_put_user (store, users[i].id, users[i].login, users[i].display_name,
                            users[i].roles, users[i].team_ids, error))
      return FALSE;

  g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, self->seed);
  if (!tb_store_set_meta (store, "demo-seed", buf, error))
    return FALSE;
  day_to_iso (self->today, buf);
  return tb_store_set_meta (store, "demo-today", buf, error);
}

/**
 * tb_demo_seed_store:
 * @store: a store
 * @n_cases: how many cases to generate
 * @seed: the seed, see tb_demo_new()
 * @today: the day the data is made for
 * @error: return location for a #GError
 *
 * Fills @store with the bundled catalogue, workflows and calendar, the demo teams and users,
 * and @n_cases cases, generated and written in batches of 10,000 but all in one transaction:
 * into an empty store that is a bulk load (see tb_store_put_cases()), and a failure or a crash
 * leaves the store as it was. Seeding the same store again with the same seed and day rewrites
 * the same cases. The meta keys "demo-seed" and "demo-today" record the seed and day.
 *
 * Returns: %TRUE on success; on failure nothing is written
 */
gboolean
tb_demo_seed_store (TbStore  *store,
                    guint     n_cases,
                    guint64   seed,
                    TbDay     today,
                    GError  **error)
{
  g_autoptr(TbDemo) demo = NULL;
  g_autoptr(GStringChunk) chunk = NULL;
  g_autofree TbCaseRecord *records = NULL;
  g_autoptr(GString) scratch = NULL;
  guint done = 0;

  g_return_val_if_fail (TB_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(demo = tb_demo_new (seed, today, error)))
    return FALSE;

  if (!tb_store_begin (store, error))
    return FALSE;
  if (!put_reference_data (demo, store, error))
    {
      tb_store_rollback (store);
      return FALSE;
    }

  chunk = g_string_chunk_new (1 << 20);
  scratch = g_string_sized_new (2048);
  records = g_new0 (TbCaseRecord, MIN (n_cases, BATCH_SIZE) + 1);

  while (done < n_cases)
    {
      guint n = MIN (n_cases - done, BATCH_SIZE);

      for (guint i = 0; i < n; i++)
        generate_case (demo, done + i, chunk, scratch, &records[i]);

      if (!tb_store_put_cases (store, records, n, error))
        {
          tb_store_rollback (store);
          return FALSE;
        }

      g_string_chunk_clear (chunk);
      done += n;
    }

  return tb_store_commit (store, error);
}

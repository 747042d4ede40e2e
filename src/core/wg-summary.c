/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-summary"

#include "config.h"

#include <string.h>

#include "wg-summary.h"

/* In the templates, {b} is a building number, {f} a floor, {n} a small
 * count, {c} a compound's name. */
typedef struct
{
  const char *category;
  const char *templates[4];
} Templates;

static const Templates templates[] = {
  { "dispute_rental", { "{c}{b}栋租户与房东因押金退还发生争执，双方情绪激动",
                        "{c}{b}栋房东提前收房，租户不愿搬离，要求赔偿",
                        "租户拖欠{n}个月房租，房东换锁，双方在楼下争吵" } },
  { "dispute_family", { "{c}{b}栋{f}楼夫妻因子女抚养问题争吵，邻居劝阻无效",
                        "{c}{b}栋兄弟二人因老人赡养费分摊发生矛盾",
                        "{c}一住户婆媳长期不和，今日再次争吵" } },
  { "dispute_emotional", { "{c}{b}栋一对情侣分手后女方反复上门纠缠",
                           "{c}一男子因感情纠纷在楼下大声哭闹，情绪低落" } },
  { "dispute_labour", { "{n}名工人在{c}旁工地门口讨要拖欠工资",
                        "{c}附近一餐馆拖欠员工{n}个月工资，员工聚集讨薪",
                        "装修工人与业主因工钱结算发生争执" } },
  { "dispute_neighbour", { "{c}{b}栋楼上漏水渗到楼下，两户协商不成",
                           "{c}{b}栋住户在公共楼道堆放杂物，与邻居发生口角",
                           "{c}两户因空调外机噪音和滴水问题多次争吵" } },
  { "dispute_property", { "{c}业主对物业费上涨不满，{n}户拒交物业费",
                          "{c}电梯长期故障，业主与物业公司发生矛盾" } },
  { "risk_special_person", { "{c}{b}栋一名精神障碍患者近日停药，言行异常",
                             "{c}独居老人情绪反常，家属担心其安全" } },
  { "risk_public_security", { "{c}后巷路灯昏暗，近期发生{n}起电动车被盗",
                              "{c}{b}栋出租屋人员频繁进出，疑似聚众赌博" } },
  { "risk_fire_hazard", { "{c}{b}栋楼道堆放大量纸箱和杂物，堵塞疏散通道",
                          "{c}临街商铺“三合一”住人，未设独立逃生通道",
                          "{c}{b}栋消防栓无水，灭火器过期" } },
  { "risk_gas", { "{c}{b}栋{f}楼住户使用过期燃气软管，有燃气味",
                  "{c}一餐馆违规存放{n}瓶液化气" } },
  { "risk_building", { "{c}{b}栋外墙瓷砖松动脱落，砸坏楼下雨棚",
                       "{c}{b}栋老旧房屋墙体出现裂缝，住户担心安全" } },
  { "risk_work_safety", { "{c}旁小作坊违规使用明火焊接，无防护措施",
                          "{c}附近工地脚手架未固定，临近人行道" } },
  { "risk_food", { "{c}附近一小食店后厨卫生差，无健康证上岗",
                   "{c}门口流动摊贩售卖散装熟食，来源不明" } },
  { "ebike_charging", { "{c}{b}栋一楼大堂有{n}辆电动车违规充电",
                        "{c}{b}栋{f}楼住户从窗口拉飞线给电动车充电",
                        "{c}{b}栋楼道内停放电动车充电" } },
  { "illegal_structure", { "{c}{b}栋楼顶正在加建铁皮房",
                           "{c}{b}栋一楼住户违规扩建，占用公共绿地" } },
  { "street_vendor", { "{c}门口{n}个流动摊档占道经营，影响通行",
                       "{c}旁水果店将货架摆出店外，占用人行道" } },
  { "garbage", { "{c}{b}栋旁建筑垃圾堆放多日，散发异味",
                 "{c}垃圾收集点满溢，垃圾散落路面",
                 "{c}后巷有人乱倒装修垃圾" } },
  { "fire_lane_blocked", { "{c}消防通道被{n}辆私家车占用",
                           "{c}{b}栋旁消防通道堆放杂物" } },
  { "road_damage", { "{c}门口路面塌陷出现坑洞，约半米宽",
                     "{c}旁人行道地砖松动翘起，有老人绊倒" } },
  { "streetlight", { "{c}{b}栋至{c}大门一段{n}盏路灯不亮",
                     "{c}后巷路灯损坏，夜间漆黑" } },
  { "noise", { "{c}{b}栋{f}楼夜间装修施工，噪音扰民",
               "{c}广场舞音响音量过大，居民投诉" } },
  { "water_leak", { "{c}门口自来水管爆裂，路面积水",
                    "{c}{b}栋旁地下供水管漏水，水流不止" } },
  { "drain_blocked", { "{c}{b}栋旁排水管道堵塞，污水外溢",
                       "{c}后巷下水道堵塞，雨后积水不退" } },
  { "unlicensed_business", { "{c}{b}栋一楼无证开设小作坊",
                             "{c}旁无证经营的废品收购站" } },
  { "rental_registration", { "{c}{b}栋新入住{n}名租户，上门登记",
                             "{c}{b}栋出租屋信息核查更新" } },
  { "population_info", { "{c}{b}栋入户采集人口信息，新增{n}人",
                         "{c}{b}栋人员信息核对（三清）" } },
  { "hardship_help", { "{c}{b}栋独居老人生活困难，申请临时救助",
                       "{c}一户因病致贫家庭需要帮扶" } },
  { "power_outage", { "{c}{b}栋整栋停电已{n}小时",
                      "{c}部分楼栋突然停电，电梯困人风险" } },
  { "water_outage", { "{c}{b}栋停水{n}小时，未接到通知",
                      "{c}高层住户水压不足，{f}楼以上无水" } },
  { "epidemic_prevention", { "{c}{b}栋楼顶积水容器滋生蚊虫，需灭蚊防登革热",
                             "{c}发现{n}只死老鼠，居民担心卫生" } },
  { "domestic_violence", { "{c}{b}栋{f}楼传出打骂声，女方求助",
                           "{c}一妇女称遭丈夫殴打，身上有伤" } },
  { "fire", { "{c}{b}栋{f}楼住户家中起火，浓烟冒出",
              "{c}旁商铺着火，火势蔓延" } },
  { "flood", { "{c}门口道路积水约{n}0厘米，车辆无法通行",
               "暴雨致{c}地下车库进水" } },
  { "crowd", { "{c}门口约{n}0人聚集，情绪激动",
               "{c}旁商铺门口围观人群越来越多，堵塞道路" } },
  { "missing_person", { "{c}一名{n}岁儿童走失，家属焦急寻找",
                        "{c}{b}栋一名患阿尔茨海默症老人外出未归" } },
  { "traffic_accident", { "{c}门口两车相撞，一人受伤",
                          "{c}旁路口电动车与小汽车碰撞，骑车人倒地" } },
  { "gas_leak", { "{c}{b}栋{f}楼燃气泄漏，气味浓烈",
                  "{c}旁餐馆液化气罐泄漏" } },
  { "building_collapse", { "{c}{b}栋旧房局部倒塌，可能有人被困",
                           "{c}旁围墙倒塌，压住路边车辆" } },
  { "fight", { "{c}门口{n}人打架斗殴，有人受伤",
               "{c}旁大排档两桌客人发生斗殴" } },
  { "medical_emergency", { "{c}{b}栋一老人在家中晕倒，呼吸微弱",
                           "{c}门口一男子突然倒地不起" } },
  { "typhoon_damage", { "台风致{c}大树倒伏，压住道路",
                        "台风吹落{c}{b}栋广告牌，悬挂在半空" } },
  { "extreme_act", { "{c}{b}栋一男子站在楼顶边缘，扬言轻生",
                     "{c}一男子持刀情绪失控，扬言报复" } },
};

static const char *const compounds[] = {
  "鹤鸣花园", "龙湖新村", "鹤泰苑", "云景雅居", "龙岗小区", "鹤联公寓",
  "金鹤家园", "龙兴广场", "鹤港新村", "翠龙苑", "鹤安花园", "鹤龙一路",
  "鹤龙二路", "云城西路", "龙归市场",
};

static char *
fill (const char *template,
      GRand      *rand)
{
  GString *out = g_string_new (NULL);
  const char *compound = compounds[g_rand_int_range (rand, 0, G_N_ELEMENTS (compounds))];

  for (const char *p = template; *p; p++)
    {
      if (p[0] == '{' && p[1] != '\0' && p[2] == '}')
        {
          switch (p[1])
            {
            case 'b': g_string_append_printf (out, "%d", g_rand_int_range (rand, 1, 31)); break;
            case 'f': g_string_append_printf (out, "%d", g_rand_int_range (rand, 1, 19)); break;
            case 'n': g_string_append_printf (out, "%d", g_rand_int_range (rand, 2, 9)); break;
            case 'c': g_string_append (out, compound); break;
            default: g_string_append_len (out, p, 3); break;
            }
          p += 2;
          continue;
        }
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

char *
wg_summary_compose (const char *category,
                    const char *fallback_name,
                    GRand      *rand)
{
  g_return_val_if_fail (rand != NULL, NULL);

  for (guint i = 0; category != NULL && i < G_N_ELEMENTS (templates); i++)
    if (g_str_equal (templates[i].category, category))
      {
        guint n = 0;

        while (n < G_N_ELEMENTS (templates[i].templates) && templates[i].templates[n] != NULL)
          n++;
        return fill (templates[i].templates[g_rand_int_range (rand, 0, n)], rand);
      }
  return g_strdup_printf ("%s附近发现%s问题", compounds[g_rand_int_range (rand, 0, G_N_ELEMENTS (compounds))],
                          fallback_name != NULL ? fallback_name : "");
}

char *
wg_summary_mediation (gboolean  succeeded,
                      GRand    *rand)
{
  static const char *const mediated[] = {
    "网格员会同议事长上门调解，双方达成和解",
    "网格员组织双方当面协商，签订调解协议",
    "经楼栋长和网格员劝解，双方各让一步，矛盾化解",
  };
  static const char *const failed[] = {
    "网格内调解未果，双方分歧较大，需职能部门介入",
    "一方拒绝调解，建议转人民调解委员会处理",
  };

  g_return_val_if_fail (rand != NULL, NULL);
  if (succeeded)
    return g_strdup (mediated[g_rand_int_range (rand, 0, G_N_ELEMENTS (mediated))]);
  return g_strdup (failed[g_rand_int_range (rand, 0, G_N_ELEMENTS (failed))]);
}

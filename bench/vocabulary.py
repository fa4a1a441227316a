"""The words a generated province is made of: towns, names, products, findings, labs.

Kept apart from the planning so that `bench/province.py` reads as rules and
proportions, not as lists of Chinese words. Every list is fixed: the generator draws
from it with a seeded random generator, so the same seed gives the same province.
"""

from __future__ import annotations

# Two-character place stems; a town is a stem plus 镇, 乡 or 街道.
TOWN_STEMS = (
    "石桥 河口 青山 柳林 白沙 黄泥 桃源 梅溪 杨柳 龙泉 凤凰 金鸡 银湖 三江 双河 五里 七星 九龙 清水 沙坪 "
    "高桥 新塘 古城 东山 西岭 南湖 北坡 马鞍 牛头 鹤鸣 松林 竹园 枫树 桂花 荷塘 莲花 茶园 稻田 铁山 "
    "铜锣 金沙 玉泉 翠屏 紫云 红岩 白石 黑水 青龙 白马 长岭 大坪 小溪 中和 太平 永安 长乐 福田 安宁 永丰 "
    "丰收 和平 兴隆 新华 胜利 团结 光明 红星 前进 东风 向阳 朝阳 东升 星火 明月 清风 望江 临江 沿河 滨湖 "
    "湾头 渡口 桥头 岭下 坳上 山口 沟口 塘坝 堰塘 黄桥 李庄 张集 王场 刘家 陈塘 赵岗 孙坝 周庄 吴店 郑集 "
    "冯铺 何坝 罗湾 梁村 宋河 唐集 韩岗 曹店 邓坪 许场 沈湾 曾家 彭场 蒋湾 蔡家 贾岭 魏岗 薛家 叶坪 余家 "
    "潘集 杜曲 夏阳 汪湾 田心"
).split()

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_NAME_CHARACTERS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文斌"
    "海波宁辉鹏飞颖慧琳晨浩宇欣怡婷雪梅春"
)

# Trade names (字号) for companies and factories.
BRANDS = (
    "宏达 金龙 华强 永固 鑫源 恒通 利民 兴旺 顺发 佳美 新星 明亮 安达 富强 盛达 联发 天成 瑞丰 东方 华阳 "
    "精工 劲风 绿源 清泉 山泉 鲜达 惠民 甜蜜 老窖 正兴 荣昌 隆盛 汇丰 昌盛 康达 万通 金源 长青 德信 福源 "
    "远航 通达 振华 鸿运 中天 天宇 嘉禾 益民 润泽 金穗 丰源 祥和 宝丰 三友 四海 百川 新纪元 大地 春晖"
).split()

ROADS = ("建设路", "人民路", "解放路", "中山路", "新华街", "工业路", "兴业大道", "河滨路", "环城路", "老街", "南街",
         "北街", "东大街", "西大街", "商贸街", "农贸市场")

# What a small workshop (小作坊) makes, as its name says it: category -> words.
WORKSHOP_PRODUCTS = {
    "bean_products": ("豆腐", "豆干", "腐竹", "豆浆"),
    "bean_sprouts": ("豆芽", "绿豆芽", "黄豆芽"),
    "meat_products": ("卤肉", "腊肉", "香肠", "熟食"),
    "aquatic_products": ("鱼干", "虾米", "腌鱼"),
    "liquor": ("米酒", "白酒", "烧酒"),
    "candy": ("麦芽糖", "花生糖", "芝麻糖"),
    "drinking_water": ("山泉水",),
    "other_food": ("糕点", "凉皮", "面条", "米粉", "月饼", "馒头", "粽子", "辣椒酱"),
    "food_plastic_packaging": ("塑料袋",),
}
WORKSHOP_SUFFIXES = ("坊", "作坊", "加工坊", "加工点")

# A food producer's name by category: what follows the trade name.
PRODUCER_SUFFIXES = {
    "bean_products": ("豆制品厂", "豆制品有限公司", "食品有限公司"),
    "bean_sprouts": ("豆芽生产基地", "蔬菜食品有限公司"),
    "meat_products": ("肉制品厂", "肉类加工有限公司", "食品有限公司"),
    "aquatic_products": ("水产加工厂", "水产品有限公司", "冷冻食品有限公司"),
    "liquor": ("酒业有限公司", "酒厂", "酿酒厂"),
    "candy": ("糖果厂", "食品有限公司"),
    "drinking_water": ("纯净水厂", "桶装水有限公司", "饮品有限公司"),
    "other_food": ("食品有限公司", "食品厂", "粮油食品有限公司", "调味品厂"),
    "food_plastic_packaging": ("塑料包装厂", "包装制品有限公司"),
}

# A sales point's name by its main category.
SHOP_SUFFIXES = {
    "bean_products": ("豆腐摊", "豆制品店"),
    "bean_sprouts": ("蔬菜摊", "豆芽摊"),
    "meat_products": ("肉铺", "熟食店", "冷鲜肉店"),
    "aquatic_products": ("水产店", "海鲜摊", "水产品批发部"),
    "liquor": ("烟酒店", "酒行"),
    "candy": ("副食店", "糖果批发部"),
    "drinking_water": ("水站", "桶装水配送点"),
    "other_food": ("超市", "便利店", "副食店", "小卖部", "粮油店"),
    "food_plastic_packaging": ("包装用品店",),
}

# Production-licence (生产许可证) and CCC products: what follows the trade name.
MAKER_SUFFIXES = {
    "water_pumps": ("水泵厂", "泵业有限公司"),
    "air_compressors": ("空压机有限公司", "压缩机厂"),
    "mechanical_seals": ("机械密封件厂", "密封科技有限公司"),
    "electric_bicycles": ("电动车厂", "车业有限公司"),
    "rubber_products": ("橡胶制品厂", "橡塑有限公司"),
    "compressed_gas": ("气体有限公司", "液化气站"),
    "enamelled_copper_wire": ("漆包线厂", "电工材料有限公司"),
    "storage_batteries": ("蓄电池有限公司", "电源厂"),
    "explosion_proof_electrical": ("防爆电器有限公司", "防爆电气厂"),
    "small_power_motors": ("电机厂", "微电机有限公司"),
    "wires_cables": ("电线电缆有限公司", "电缆厂"),
    "plugs": ("插头插座厂", "电器配件有限公司"),
    "power_tools": ("电动工具厂", "五金工具有限公司"),
    "hair_dryers": ("电器厂", "美发电器有限公司"),
    "low_voltage_electrical": ("开关柜厂", "电气设备有限公司"),
    "arc_welders": ("电焊机厂", "焊接设备有限公司"),
    "lighting": ("灯具厂", "照明电器有限公司"),
}

# Test items that fail, by category (不合格项目).
FAILED_ITEMS = {
    "bean_products": ("苯甲酸及其钠盐", "脱氢乙酸", "铝的残留量", "大肠菌群"),
    "bean_sprouts": ("4-氯苯氧乙酸钠", "6-苄基腺嘌呤", "亚硫酸盐"),
    "drinking_water": ("菌落总数", "大肠菌群", "铜绿假单胞菌", "溴酸盐"),
    "aquatic_products": ("孔雀石绿", "氯霉素", "恩诺沙星", "镉"),
    "meat_products": ("亚硝酸盐", "菌落总数", "胭脂红", "克伦特罗"),
    "candy": ("柠檬黄", "日落黄", "菌落总数"),
    "liquor": ("甲醇", "甜蜜素", "氰化物"),
    "other_food": ("铝的残留量", "过氧化值", "菌落总数", "二氧化硫残留量"),
    "food_plastic_packaging": ("总迁移量", "高锰酸钾消耗量", "脱色试验"),
    "water_pumps": ("电气强度", "效率"),
    "air_compressors": ("排气量", "安全阀"),
    "mechanical_seals": ("泄漏量",),
    "electric_bicycles": ("整车质量", "最高车速", "制动性能"),
    "rubber_products": ("拉伸强度", "老化性能"),
    "compressed_gas": ("纯度", "水分含量"),
    "enamelled_copper_wire": ("击穿电压", "导体电阻"),
    "storage_batteries": ("容量", "耐振动"),
    "explosion_proof_electrical": ("隔爆外壳", "防爆标志"),
    "small_power_motors": ("温升", "绝缘电阻"),
    "wires_cables": ("导体电阻", "绝缘厚度", "绝缘老化前拉伸强度"),
    "plugs": ("插销尺寸", "耐热", "接地措施"),
    "power_tools": ("发热", "机械强度"),
    "hair_dryers": ("发热", "非正常工作"),
    "low_voltage_electrical": ("温升", "介电性能"),
    "arc_welders": ("绝缘电阻", "空载电压"),
    "lighting": ("标记", "防触电保护"),
}

# What an order to rectify asks (整改内容), by the finding that prompted it.
ORDER_ITEMS = {
    "unlicensed": "限期办理生产许可证（小作坊登记证）",
    "no_business_license": "限期办理营业执照",
    "three_no": "停止销售无厂名厂址、无生产日期、无合格证产品",
    "non_food_materials": "停止使用非食品原料，清理库存",
    "recycled_food": "停止使用回收食品作原料",
    "additive_abuse": "规范食品添加剂使用，建立使用台账",
    "adulteration": "停止掺杂使假，召回问题产品",
    "workshop_food_in_retail": "停止向商场超市供应小作坊食品",
    "substandard_conditions": "改善生产场所卫生条件，完善防蝇防鼠设施",
    "incomplete_licenses": "补办证照，证照上墙公示",
    "uncertified_ccc": "停止生产销售未获认证产品，申请强制性产品认证",
    "sample_failed": "召回不合格批次产品，查明原因并整改",
}
GENERAL_ORDER_ITEMS = ("建立进货查验和出厂检验记录", "完善从业人员健康证明", "规范产品标签标识")

LABS = ("市产品质量监督检验所", "省食品药品检验研究院", "市食品检验检测中心", "省电器产品质量监督检验站",
        "省机电产品质量检验中心")

INSPECTION_NOTES = {
    "compliant": ("现场检查未见异常", "证照齐全，记录完整", "复查合格", ""),
    "deficient": ("进货查验记录不全", "生产场所卫生较差", "证照未公示", "从业人员健康证过期"),
    "violation": ("现场检查发现违法行为，已固定证据", "无证生产，卫生条件差", "查获问题产品，已封存"),
}
CLOSED_INSPECTION_NOTE = "关停后复查，未恢复生产"

RETRACTION_REASONS = {
    "duplicate": "同一次检查重复录入，予以更正",
    "wrong_date": "检查日期录错，已按正确日期重新录入",
    "wrong_number": "样品编号录错，已按正确编号重新录入",
    "wrong_enterprise": "误录入本企业，实为同镇另一企业",
    "review_mistake": "年审尚未完成，误录为已年审",
}

CLOSURE_NOTES = {
    "fringe_workshop": "城乡结合部小作坊，依法取缔",
    "unlicensed": "逾期未取得许可证，责令停止生产",
    "failed_rectification": "整改复查不合格，依法关停",
    "three_no": "无照经营三无产品，依法取缔",
    "voluntary": "企业申请注销，自行关闭",
    "other": "厂房拆迁，停止生产",
}

# Unit names.
FOOD_OFFICE = "食品监管办"
INSPECTION_SECTION = "监督稽查科"
QUALITY_SECTION = "质量管理科"
AUDIT_TEAM = "上级督查组"
ADMIN_UNIT = "信息中心"

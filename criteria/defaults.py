"""The default criteria template (INTERFACES.md "Default criteria template") and the default tier
principles (PROCESS.md §2.3.3 item 4), as plain data: the data migration ships the template from
here, and a version created without a template row in the database falls back to it."""

from prioritization.tiers import Tier

DEFAULT_TEMPLATE_NAME = "默认模板"
DEFAULT_TEMPLATE_NAME_EN = "Default template"

# (dimension, name, name_en, weight, description, guidance, rule)
DEFAULT_CRITERIA = [
    (
        "attractiveness", "财务业绩", "Financial performance", 40,
        "营业额、利润", "营业额和利润持续增长",
        {"field": "revenue_growth", "bands": [
            {"min": "20", "score": "10"}, {"min": "10", "score": "8"}, {"min": "0", "score": "6"},
        ], "default": "3"},
    ),
    (
        "attractiveness", "IT支出", "IT spend", 30,
        "年度IT产品/服务预算或实际支出", "年度支出超过一定金额",
        {"field": "it_spend", "bands": [
            {"min": "5000", "score": "10"}, {"min": "2000", "score": "7"}, {"min": "500", "score": "4"},
        ], "default": "1"},
    ),
    (
        "attractiveness", "声誉和内部管理", "Reputation and internal management", 20,
        "品牌排名；经验丰富的高层管理团队", "品牌排名靠前；高层管理经验丰富",
        {"field": "brand_rank", "bands": [
            {"max": "10", "score": "10"}, {"max": "50", "score": "7"}, {"max": "200", "score": "4"},
        ], "default": "2"},
    ),
    (
        "attractiveness", "地理位置", "Location", 10,
        "靠近我司总部或主要分支机构，或交通便利", "位于我司总部或主要分支机构所在地，或容易到达", None,
    ),
    (
        "feasibility", "与我司现有关系", "Existing relationship with us", 30,
        "与我司现有业务的关系", "购买我司产品金额超过一定金额",
        {"field": "purchases_from_us", "bands": [
            {"min": "500", "score": "10"}, {"min": "100", "score": "7"}, {"min": "1", "score": "4"},
        ], "default": "1"},
    ),
    (
        "feasibility", "与竞争对手关系", "Relationship with competitors", 30,
        "竞争对手提供什么、多长时间、与决策者的关系", "竞争对手供货内容、合作时间、与决策者的关系", None,
    ),
    (
        "feasibility", "对我司IT服务的态度", "Attitude to our IT services", 30,
        "管理层对我司IT服务的态度", "态度积极或愿意率先尝试",
        {"field": "attitude", "map": {"high": "9", "medium": "6", "low": "3"}},
    ),
    (
        "feasibility", "我司自身执行能力", "Our execution capability", 10,
        "客户的核心需求与我司优势是否匹配", "客户核心需求与我司优势匹配", None,
    ),
]  # fmt: skip

# tier → (name, service principle, expected actions); cadence in models.DEFAULT_CADENCE_DAYS.
DEFAULT_PRINCIPLES = {
    Tier.TIER1: (
        "着重发展/重点维护",
        "首要发展或维护对象；承诺预算；提供量身定制的解决方案。",
        "每月与各层级决策者联系（小型会议、研讨会）；经验介绍会；每月客户招待。",
    ),
    Tier.TIER2: (
        "利用资源有效发展",
        "利用现有能力低成本服务；避免价格折扣；缩短销售周期；不过度投入。",
        "每季度联系；每季度更新介绍资料；每季度客户招待。",
    ),
    Tier.TIER3: (
        "积极投资，谋求发展",
        "投资于解决方案和能力建设；逐步建立关系；可考虑折扣；能力不足时引入外部专家。",
        "每季度或每半年联系；新产品和成功案例介绍；每半年举办研讨会。",
    ),
    Tier.NO: (
        "不考虑发展",
        "敢于说“不”：不投入资源。",
        "",
    ),
}

/// The lexicon every workspace starts from, written for Fanfare (not copied
/// from any published word list). It is deliberately small: terms a brand's
/// social-media desk in mainland China is expected to catch, chosen so that
/// ordinary posts rarely trip them. A workspace adds its own terms, replaces
/// a base term by listing the same text, and adds allow phrases; see
/// docs/moderation-base-lexicon.md.
///
/// Sources, per category:
/// - `advertising_law`: 《中华人民共和国广告法》(2015, amended 2018 and 2021)
///   Art. 9(3) (“国家级”“最高级”“最佳” and other absolute terms) and the
///   market-regulation guidance on Art. 9(3), which also says when such a
///   word is *not* an absolute claim (goals and company culture, comparison
///   with the brand's own products, consumption hints such as the best time
///   to eat, grades of a national standard, product names and trademarks,
///   awards, verifiable facts limited in time and place); Art. 9(2) and 28
///   for false claims of state endorsement (国家免检, 特供, 政府推荐);
///   驰名商标 also from the Trademark Law, Art. 14.
/// - `medical_claim`: Art. 16 (no assurance of efficacy or safety, no cure
///   or effectiveness rates, no endorsers), Art. 17 (no other product may
///   claim to treat disease or use medical terms) and Art. 18 (health food).
/// - `financial_promise`: Art. 25 (no promise of returns, principal
///   protection or absence of risk).
/// - `education_promise`: Art. 24 (no promise of passing, admission,
///   certificates or results; no claim that examiners take part).
/// - `fraud_lure`, `gambling`, `abuse`, `violence`, `privacy`: the illegal
///   and harmful content of 《网络信息内容生态治理规定》(2019) Art. 6–7
///   (gambling, violence, incitement to crime, insult, infringement of
///   privacy; vulgar content). Fraud lures are checked in fans' posts only;
///   the other four in fans' posts and our own alike.
///
/// Severity follows how often a word is innocent: `block` where a match is
/// almost always a violation, `review` where the guidance or ordinary usage
/// leaves room (第一, 唯一, 首家 can state a verifiable fact), `warn` for
/// mild or slang words. Self-harm words (自杀, 跳楼) sit under `violence`
/// at `review` so that a person answers them, not a filter.
enum BaseLexicon {
    /// CSV, one term a line: `term,category,severity,scope`. The first line
    /// is the header. No field is quoted and no term holds a comma; terms are
    /// Simplified Chinese or lower-case English, at least two characters.
    /// `severity` is `warn`, `review` or `block`; `scope` is `content` (our
    /// own drafts), `incoming` (fans' comments and messages) or `all`.
    static let csv: String = """
        term,category,severity,scope
        国家级,advertising_law,block,content
        世界级,advertising_law,block,content
        最高级,advertising_law,block,content
        最佳,advertising_law,block,content
        最优,advertising_law,block,content
        最先进,advertising_law,block,content
        最高端,advertising_law,block,content
        最低价,advertising_law,block,content
        全网最低,advertising_law,block,content
        史上最低,advertising_law,block,content
        最便宜,advertising_law,block,content
        最实惠,advertising_law,block,content
        最权威,advertising_law,block,content
        最专业,advertising_law,block,content
        最安全,advertising_law,block,content
        最有效,advertising_law,block,content
        最正宗,advertising_law,block,content
        第一品牌,advertising_law,block,content
        销量第一,advertising_law,block,content
        销量冠军,advertising_law,block,content
        全网第一,advertising_law,block,content
        全国第一,advertising_law,block,content
        全球第一,advertising_law,block,content
        世界第一,advertising_law,block,content
        中国第一,advertising_law,block,content
        行业第一,advertising_law,block,content
        天下第一,advertising_law,block,content
        顶级,advertising_law,block,content
        极品,advertising_law,block,content
        领导品牌,advertising_law,block,content
        领袖品牌,advertising_law,block,content
        绝无仅有,advertising_law,block,content
        史无前例,advertising_law,block,content
        前无古人,advertising_law,block,content
        空前绝后,advertising_law,block,content
        举世无双,advertising_law,block,content
        万能,advertising_law,block,content
        驰名商标,advertising_law,block,content
        国家免检,advertising_law,block,content
        免检产品,advertising_law,block,content
        特供,advertising_law,block,content
        国家机关推荐,advertising_law,block,content
        政府推荐,advertising_law,block,content
        政府指定,advertising_law,block,content
        国家指定,advertising_law,block,content
        最好,advertising_law,review,content
        最大,advertising_law,review,content
        最强,advertising_law,review,content
        最牛,advertising_law,review,content
        最具,advertising_law,review,content
        最受欢迎,advertising_law,review,content
        最畅销,advertising_law,review,content
        第一,advertising_law,review,content
        唯一,advertising_law,review,content
        排名第一,advertising_law,review,content
        no1,advertising_law,review,content
        top1,advertising_law,review,content
        顶尖,advertising_law,review,content
        极致,advertising_law,review,content
        终极,advertising_law,review,content
        领先,advertising_law,review,content
        首选,advertising_law,review,content
        首个,advertising_law,review,content
        首家,advertising_law,review,content
        首创,advertising_law,review,content
        独一无二,advertising_law,review,content
        无与伦比,advertising_law,review,content
        百分百,advertising_law,review,content
        百分之百,advertising_law,review,content
        国内空白,advertising_law,review,content
        专供,advertising_law,review,content
        国家领导人,advertising_law,review,content
        最新技术,advertising_law,warn,content
        至尊,advertising_law,warn,content
        巅峰,advertising_law,warn,content
        王牌,advertising_law,warn,content
        之王,advertising_law,warn,content
        治愈,medical_claim,block,content
        根治,medical_claim,block,content
        药到病除,medical_claim,block,content
        无副作用,medical_claim,block,content
        无毒副作用,medical_claim,block,content
        零副作用,medical_claim,block,content
        包治,medical_claim,block,content
        包治百病,medical_claim,block,content
        特效药,medical_claim,block,content
        神药,medical_claim,block,content
        永不复发,medical_claim,block,content
        除根,medical_claim,block,content
        总有效率,medical_claim,block,content
        无效退款,medical_claim,block,content
        祖传秘方,medical_claim,review,content
        疗效,medical_claim,review,content
        痊愈,medical_claim,review,content
        一次见效,medical_claim,review,content
        立竿见影,medical_claim,review,content
        见效快,medical_claim,review,content
        消炎,medical_claim,review,content
        防癌,medical_claim,review,content
        抗癌,medical_claim,review,content
        抗肿瘤,medical_claim,review,content
        降血压,medical_claim,review,content
        降血糖,medical_claim,review,content
        降血脂,medical_claim,review,content
        降三高,medical_claim,review,content
        排毒养颜,medical_claim,review,content
        壮阳,medical_claim,review,content
        丰胸,medical_claim,review,content
        延年益寿,medical_claim,review,content
        返老还童,medical_claim,review,content
        快速减肥,medical_claim,review,content
        不反弹,medical_claim,review,content
        医生推荐,medical_claim,review,content
        专家推荐,medical_claim,review,content
        临床验证,medical_claim,review,content
        纯中药,medical_claim,review,content
        替代药物,medical_claim,review,content
        医疗级,medical_claim,review,content
        处方药,medical_claim,review,content
        保本,financial_promise,block,content
        保本保息,financial_promise,block,content
        保息,financial_promise,block,content
        稳赚,financial_promise,block,content
        稳赚不赔,financial_promise,block,content
        零风险,financial_promise,block,content
        无风险,financial_promise,block,content
        保收益,financial_promise,block,content
        高回报无风险,financial_promise,block,content
        刚性兑付,financial_promise,block,content
        保证收益,financial_promise,block,content
        承诺收益,financial_promise,block,content
        固定回报,financial_promise,block,content
        本金安全,financial_promise,block,content
        确保本金,financial_promise,block,content
        包赚,financial_promise,block,content
        必赚,financial_promise,block,content
        只赚不赔,financial_promise,block,content
        躺赚,financial_promise,block,content
        躺着赚钱,financial_promise,block,content
        高回报,financial_promise,review,content
        高额回报,financial_promise,review,content
        一本万利,financial_promise,review,content
        收益翻倍,financial_promise,review,content
        稳定收益,financial_promise,review,content
        保值增值,financial_promise,review,content
        快速回本,financial_promise,review,content
        暴利项目,financial_promise,review,content
        财务自由,financial_promise,warn,content
        保过,education_promise,block,content
        包过,education_promise,block,content
        保证通过,education_promise,block,content
        不过退款,education_promise,block,content
        不过退费,education_promise,block,content
        不过全额退,education_promise,block,content
        学不会退款,education_promise,block,content
        包拿证,education_promise,block,content
        保录取,education_promise,block,content
        包录取,education_promise,block,content
        保证录取,education_promise,block,content
        包就业,education_promise,block,content
        保证就业,education_promise,block,content
        保证提分,education_promise,block,content
        保证学会,education_promise,block,content
        押中原题,education_promise,block,content
        命题专家,education_promise,block,content
        一次通过,education_promise,review,content
        包教包会,education_promise,review,content
        押题,education_promise,review,content
        命题组,education_promise,review,content
        命题人,education_promise,review,content
        通过率,education_promise,warn,content
        刷单,fraud_lure,block,incoming
        刷好评,fraud_lure,block,incoming
        刷流水,fraud_lure,block,incoming
        刷粉,fraud_lure,block,incoming
        兼职日结,fraud_lure,block,incoming
        日入过千,fraud_lure,block,incoming
        点击链接领取,fraud_lure,block,incoming
        代开发票,fraud_lure,block,incoming
        信用卡套现,fraud_lure,block,incoming
        花呗套现,fraud_lure,block,incoming
        征信修复,fraud_lure,block,incoming
        黑户贷款,fraud_lure,block,incoming
        秒下款,fraud_lure,block,incoming
        出租银行卡,fraud_lure,block,incoming
        收购银行卡,fraud_lure,block,incoming
        跑分平台,fraud_lure,block,incoming
        裸聊,fraud_lure,block,incoming
        约炮,fraud_lure,block,incoming
        援交,fraud_lure,block,incoming
        double your bitcoin,fraud_lure,block,incoming
        加微信,fraud_lure,review,incoming
        加我微信,fraud_lure,review,incoming
        加v,fraud_lure,review,incoming
        加vx,fraud_lure,review,incoming
        加薇,fraud_lure,review,incoming
        加qq,fraud_lure,review,incoming
        v信,fraud_lure,review,incoming
        vx,fraud_lure,review,incoming
        在家兼职,fraud_lure,review,incoming
        手机兼职,fraud_lure,review,incoming
        日赚,fraud_lure,review,incoming
        月入过万,fraud_lure,review,incoming
        带你赚钱,fraud_lure,review,incoming
        荐股,fraud_lure,review,incoming
        带单,fraud_lure,review,incoming
        内幕消息,fraud_lure,review,incoming
        免费领取,fraud_lure,review,incoming
        扫码领取,fraud_lure,review,incoming
        领取红包,fraud_lure,review,incoming
        恭喜您中奖,fraud_lure,review,incoming
        低价代购,fraud_lure,review,incoming
        高仿,fraud_lure,review,incoming
        a货,fraud_lure,review,incoming
        办证,fraud_lure,review,incoming
        无抵押贷款,fraud_lure,review,incoming
        一夜情,fraud_lure,review,incoming
        涨粉,fraud_lure,review,incoming
        买粉,fraud_lure,review,incoming
        刷赞,fraud_lure,review,incoming
        free followers,fraud_lure,review,incoming
        buy followers,fraud_lure,review,incoming
        dm for promo,fraud_lure,review,incoming
        whatsapp me,fraud_lure,review,incoming
        crypto giveaway,fraud_lure,review,incoming
        guaranteed profit,fraud_lure,review,incoming
        点击链接,fraud_lure,warn,incoming
        互粉,fraud_lure,warn,incoming
        引流,fraud_lure,warn,incoming
        网赌,gambling,block,all
        时时彩,gambling,block,all
        百家乐,gambling,block,all
        真人荷官,gambling,block,all
        网上赌场,gambling,block,all
        线上赌场,gambling,block,all
        赌球,gambling,block,all
        私彩,gambling,block,all
        开户送彩金,gambling,block,all
        充值返水,gambling,block,all
        洗码,gambling,block,all
        pk10,gambling,block,all
        赌博,gambling,review,all
        博彩,gambling,review,all
        赌场,gambling,review,all
        六合彩,gambling,review,all
        荷官,gambling,review,all
        赌马,gambling,review,all
        老虎机,gambling,review,all
        炸金花,gambling,review,all
        幸运飞艇,gambling,review,all
        稳赢,gambling,review,all
        online casino,gambling,review,all
        sports betting,gambling,review,all
        betting tips,gambling,review,all
        必赢,gambling,warn,all
        傻逼,abuse,block,all
        煞笔,abuse,block,all
        傻屄,abuse,block,all
        妈逼,abuse,block,all
        操你妈,abuse,block,all
        操你大爷,abuse,block,all
        干你娘,abuse,block,all
        你妈死了,abuse,block,all
        你死妈,abuse,block,all
        死全家,abuse,block,all
        狗娘养的,abuse,block,all
        婊子,abuse,block,all
        贱货,abuse,block,all
        骚货,abuse,block,all
        机掰,abuse,block,all
        鸡巴,abuse,block,all
        屌你,abuse,block,all
        黑鬼,abuse,block,all
        支那,abuse,block,all
        死基佬,abuse,block,all
        fuck,abuse,block,all
        fucks,abuse,block,all
        fucked,abuse,block,all
        fucker,abuse,block,all
        fucking,abuse,block,all
        fuckin,abuse,block,all
        motherfucker,abuse,block,all
        cunt,abuse,block,all
        nigger,abuse,block,all
        niggers,abuse,block,all
        faggot,abuse,block,all
        脑残,abuse,review,all
        贱人,abuse,review,all
        狗日的,abuse,review,all
        王八蛋,abuse,review,all
        人渣,abuse,review,all
        杂种,abuse,review,all
        畜生,abuse,review,all
        弱智,abuse,review,all
        智障,abuse,review,all
        低能儿,abuse,review,all
        傻叉,abuse,review,all
        傻屌,abuse,review,all
        二逼,abuse,review,all
        狗东西,abuse,review,all
        去死,abuse,review,all
        基佬,abuse,review,all
        人妖,abuse,review,all
        娘炮,abuse,review,all
        阿三,abuse,review,all
        小日本,abuse,review,all
        尼哥,abuse,review,all
        bitch,abuse,review,all
        bitches,abuse,review,all
        asshole,abuse,review,all
        assholes,abuse,review,all
        bastard,abuse,review,all
        dickhead,abuse,review,all
        twat,abuse,review,all
        wanker,abuse,review,all
        slut,abuse,review,all
        whore,abuse,review,all
        retard,abuse,review,all
        retarded,abuse,review,all
        nigga,abuse,review,all
        fag,abuse,review,all
        dumbass,abuse,review,all
        scumbag,abuse,review,all
        他妈的,abuse,warn,all
        草泥马,abuse,warn,all
        混蛋,abuse,warn,all
        蠢货,abuse,warn,all
        白痴,abuse,warn,all
        滚蛋,abuse,warn,all
        傻帽,abuse,warn,all
        傻缺,abuse,warn,all
        装逼,abuse,warn,all
        屌丝,abuse,warn,all
        操蛋,abuse,warn,all
        扑街,abuse,warn,all
        shit,abuse,warn,all
        shitty,abuse,warn,all
        bullshit,abuse,warn,all
        idiot,abuse,warn,all
        idiots,abuse,warn,all
        moron,abuse,warn,all
        morons,abuse,warn,all
        stupid,abuse,warn,all
        dick,abuse,warn,all
        piss off,abuse,warn,all
        screw you,abuse,warn,all
        stfu,abuse,warn,all
        wtf,abuse,warn,all
        loser,abuse,warn,all
        弄死你,violence,block,all
        砍死你,violence,block,all
        杀了你,violence,block,all
        杀你全家,violence,block,all
        打死你,violence,block,all
        捅死你,violence,block,all
        炸了你,violence,block,all
        打断你的腿,violence,block,all
        泼硫酸,violence,block,all
        等着收尸,violence,block,all
        我知道你住哪,violence,block,all
        kill you,violence,block,all
        kill yourself,violence,block,all
        shoot you,violence,block,all
        stab you,violence,block,all
        hope you die,violence,block,all
        rape you,violence,block,all
        burn your house,violence,block,all
        i know where you live,violence,block,all
        砍死,violence,review,all
        捅死,violence,review,all
        炸掉,violence,review,all
        收尸,violence,review,all
        血洗,violence,review,all
        同归于尽,violence,review,all
        报复社会,violence,review,all
        见一次打一次,violence,review,all
        恐怖袭击,violence,review,all
        自杀,violence,review,all
        自残,violence,review,all
        跳楼,violence,review,all
        割腕,violence,review,all
        kys,violence,review,all
        验证码发我,privacy,block,all
        发我验证码,privacy,block,all
        把验证码发,privacy,block,all
        验证码给我,privacy,block,all
        验证码告诉我,privacy,block,all
        告诉我验证码,privacy,block,all
        密码发我,privacy,block,all
        发我密码,privacy,block,all
        密码告诉我,privacy,block,all
        身份证发我,privacy,block,all
        发我身份证,privacy,block,all
        卡号发我,privacy,block,all
        出售个人信息,privacy,block,all
        开房记录,privacy,block,all
        人肉出来,privacy,block,all
        send me the code,privacy,block,all
        身份证号,privacy,review,all
        手持身份证,privacy,review,all
        身份证正反面,privacy,review,all
        银行卡号,privacy,review,all
        信用卡号,privacy,review,all
        银行卡密码,privacy,review,all
        取款密码,privacy,review,all
        支付密码,privacy,review,all
        护照号,privacy,review,all
        社保卡号,privacy,review,all
        家庭住址,privacy,review,all
        人肉搜索,privacy,review,all
        cvv,privacy,review,all
        social security number,privacy,review,all
        credit card number,privacy,review,all
        bank account number,privacy,review,all
        """

    /// Allow-list phrases, one a line: innocent words that contain a listed
    /// term (第一次 contains 第一, 治愈系 contains 治愈, 确保本 as in 确保本次
    /// contains 保本). A match that lies wholly inside an occurrence of an
    /// allow phrase is not reported; one that reaches past it still is
    /// (确保本金 is listed as a term of its own). Phrases are written like
    /// terms: Simplified Chinese, one a line, no blank lines or comments.
    static let allow: String = """
        第一次
        第一天
        第一步
        第一时间
        第一眼
        第一印象
        第一反应
        第一手
        第一部分
        第一件
        第一季度
        第一章
        第一期
        第一批
        第一届
        唯一的遗憾
        唯一的办法
        唯一标识
        唯一性
        最好的朋友
        最好是
        最好不要
        最大限度
        最大化
        最大程度
        最大值
        最大公约数
        最佳实践
        最佳赏味期
        最佳食用期
        最佳观赏期
        最优化
        最强大脑
        首选项
        终极目标
        顶级域名
        万能胶
        万能买
        治愈系
        被治愈
        精神药
        斩草除根
        非处方药
        无风险利率
        保本点
        确保本
        环保本
        医保本
        面包过
        红包过
        书包过
        钱包过
        确保过
        去死皮
        去死角
        印度支那
        密支那
        杂种优势
        跳楼价
        办证大厅
        """
}

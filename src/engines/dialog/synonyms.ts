// Concept classes for customer-service language: words and phrases, Chinese and English, that
// ask about the same thing. A text that holds any member gets the class as one more feature,
// so "parcel" meets "package" and "退钱" meets "退款" although they share no token. The list
// is Doppel's own and deliberately generic (shops, services, accounts); a knowledge base's
// hot words add to the weighting, not to these classes.

const CLASSES: Record<string, string> = {
  refund: '退款 退钱 钱退 返款 到账 : refund|money back|reimburse',
  return: '退货 退掉 退回 寄回 退换 : return|send back|give back|take back',
  exchange: '换货 换一 换个 调换 换成 : exchange|swap',
  shipping: '发货 发出 寄出 出库 : ship|shipping|dispatch',
  delivery: '配送 送达 到货 收到 : deliver|delivery|arrive|arrival',
  parcel: '快递 包裹 物流 单号 : parcel|package|shipment|courier|tracking',
  fee: '运费 邮费 费用 手续费 收费 : fee|charge|cost|price',
  free: '免费 包邮 免息 : free',
  pay: '付款 支付 付钱 买单 结账 : pay|payment|checkout',
  card: '银行卡 信用卡 储蓄卡 刷卡 : card|visa|mastercard|amex|american express',
  installment: '分期 花呗 : installment|instalment|pay later|klarna',
  human: '人工 真人 客服 坐席 : human|agent|person|representative|operator|someone',
  login: '登录 登陆 登不 : log in|login|sign in|signin|logon',
  password: '密码 : password|passcode',
  account: '账号 账户 帐号 注册 : account|register|sign up|signup',
  open: '营业 开门 开着 : open|opening|hours|close|closing',
  store: '门店 实体店 店铺 线下 : store|shop|branch|outlet',
  address: '地址 收货地 : address',
  cancel: '取消 撤销 不想买 : cancel|revoke|call off',
  invoice: '发票 开票 抬头 报销 : invoice|receipt|vat',
  coupon: '优惠券 券 折扣码 优惠码 : coupon|voucher|promo|discount code|promo code',
  points: '积分 : points|reward',
  member: '会员 vip 金卡 : member|membership|loyalty',
  cheaper: '降价 便宜 差价 保价 : price drop|cheaper|price match|price protection',
  broken: '坏 碎 破损 瑕疵 质量问题 故障 不能用 : broken|broke|damaged|defective|faulty|cracked|not working',
  repair: '保修 质保 维修 修 : warranty|repair|fix|guarantee',
  stock: '库存 有货 缺货 卖完 售罄 补货 没货 : stock|sold out|restock|available|availability',
  size: '尺码 码数 大码 小码 穿多大 : size|fit',
  gift: '礼物 礼品 包装 赠品 送礼 : gift|present|wrap',
  abroad: '国外 海外 国际 境外 : abroad|international|overseas|other countries',
  live: '直播 直播间 : live|stream|livestream',
};

interface Compiled {
  /** CJK members by their first character. */
  cjk: Map<string, Array<[string, string]>>;
  /** Latin phrases (stem sequences) by their first stem. */
  latin: Map<string, Array<[string[], string]>>;
}

let compiled: Compiled | undefined;

/** Built once, with the stemmer of text.ts (passed in to keep the import one-way). */
export function conceptTable(stem: (w: string) => string): Compiled {
  if (compiled) return compiled;
  const cjk: Compiled['cjk'] = new Map();
  const latin: Compiled['latin'] = new Map();
  const push = <T>(m: Map<string, T[]>, k: string, v: T) => {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  };
  for (const [name, spec] of Object.entries(CLASSES)) {
    const [zh = '', en = ''] = spec.split(' : ');
    for (const w of zh.split(' ').filter(Boolean)) {
      if (/[a-z]/.test(w)) push(latin, stem(w), [[stem(w)], name]);
      else push(cjk, w[0] as string, [w, name]);
    }
    for (const phrase of en.split('|').filter(Boolean)) {
      const stems = phrase.split(' ').map(stem);
      push(latin, stems[0] as string, [stems, name]);
    }
  }
  compiled = { cjk, latin };
  return compiled;
}

/** The concept classes present in a text, given its CJK runs and its Latin stems in order. */
export function conceptsOf(
  cjkRuns: readonly string[],
  stems: readonly string[],
  table: Compiled,
): Set<string> {
  const out = new Set<string>();
  for (const run of cjkRuns)
    for (let i = 0; i < run.length; i++)
      for (const [w, name] of table.cjk.get(run[i] as string) ?? []) if (run.startsWith(w, i)) out.add(name);
  for (let i = 0; i < stems.length; i++)
    for (const [phrase, name] of table.latin.get(stems[i] as string) ?? [])
      if (phrase.every((p, j) => stems[i + j] === p)) out.add(name);
  return out;
}

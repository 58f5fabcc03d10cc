/**
 * The demo city 江州市: its evaluated units in three groups and the point registry. Fixed, not
 * seeded, so every seed and every round uses the same unit and point codes (a registry loaded
 * once stays valid for all demo rounds).
 *
 * Point codes are P0001 … in registry order (units in group order, point types in the unit's
 * profile order). Points are of the types the group actually answers for: districts and
 * streets own roads, alleys, markets, communities …; departments own what their trade runs
 * (the transport bureau bus lines and stops, the health commission hospital halls, the
 * education bureau school surroundings and training schools …).
 */
import {
  ALLEY_NAMES, BUS_LINES, BUS_STOP_PLACES, COMMUNITY_NAMES, HEADS, HOTEL_NAMES, INTERNET_CAFE_NAMES, MALL_NAMES, MARKET_KINDS,
  MARKET_PLACES, OLD_COMMUNITY_NAMES, RESTAURANT_NAMES, RIVER_NAMES, ROAD_STEMS, SCENIC_NAMES, SITE_NAMES, SQUARE_NAMES, TRAINING_NAMES,
} from './names.js'

export interface DemoUnit {
  code: string
  name: string
  head: string
  /** The district part of names (江城区 → 江城), or the unit's own name. */
  short: string
  /** Point types the unit owns, with how many points of each. */
  profile: Record<string, number>
  /** Fixed names of some points, by type, used before the pools. */
  named?: Record<string, readonly string[]>
}

export interface DemoGroup {
  code: string
  name: string
  /** Component weights when the group departs from the set's. */
  weights?: Record<string, string>
  units: DemoUnit[]
}

export interface DemoPoint {
  code: string
  name: string
  type: string
  unit: string
}

const DISTRICT_PROFILE: Record<string, number> = {
  road: 6, alley: 6, junction: 3, 'bus-stop': 2, market: 3, mall: 2, restaurant: 4, hotel: 1, window: 2, 'old-community': 3,
  community: 4, square: 2, scenic: 1, toilet: 3, culture: 2, river: 1, site: 2, school: 3, 'internet-cafe': 1, training: 1, counselling: 1,
}

const STREET_PROFILE: Record<string, number> = {
  road: 3, alley: 5, junction: 1, market: 1, restaurant: 2, 'old-community': 3, community: 3, square: 1, toilet: 2, culture: 1,
  school: 1, 'internet-cafe': 1, training: 1, site: 1,
}

let headIndex = 0
const head = (): string => HEADS[headIndex++ % HEADS.length]!

const district = (code: string, name: string): DemoUnit => ({ code, name, head: head(), short: name.slice(0, -1), profile: DISTRICT_PROFILE })
const street = (code: string, name: string, extra: Record<string, number> = {}): DemoUnit => ({
  code,
  name,
  head: head(),
  short: name.replace(/街道$/, ''),
  profile: { ...STREET_PROFILE, ...extra },
})
const department = (code: string, name: string, profile: Record<string, number>, named: Record<string, readonly string[]>): DemoUnit => ({
  code,
  name,
  head: head(),
  short: name,
  profile,
  named,
})

export const GROUPS: readonly DemoGroup[] = [
  {
    code: 'district',
    name: '县区',
    units: [
      district('jiangcheng', '江城区'),
      district('linjiang', '临江区'),
      district('donghu', '东湖区'),
      district('xishan', '西山区'),
      district('beitang', '北塘区'),
      district('nanwan', '南湾区'),
      { ...district('gaoxin', '高新区'), short: '高新' },
      district('qingyang', '青阳县'),
      district('yunxi', '云溪县'),
    ],
  },
  {
    code: 'street',
    name: '街道',
    units: [
      street('jiefang', '解放街道'),
      street('renminlu', '人民路街道'),
      street('binjiang', '滨江街道', { river: 1 }),
      street('chengnan', '城南街道'),
      street('chengbei', '城北街道'),
      street('xiguan', '西关街道'),
      street('xinhua', '新华街道'),
      street('longshan', '龙山街道'),
      street('wangjiang', '望江街道', { river: 1 }),
      street('fenghuang', '凤凰街道'),
      street('huayuan', '花园街道'),
      street('gulou', '鼓楼街道'),
    ],
  },
  {
    code: 'department',
    name: '市直部门（窗口单位）',
    // Departments own few field points and serve the public at windows: satisfaction weighs more.
    weights: { field: '0.60', material: '0.15', survey: '0.25' },
    units: [
      department('market-supervision', '市市场监管局', { market: 4, mall: 3, restaurant: 4, hotel: 2, window: 1 }, { window: ['市市场监管局企业登记窗口'] }),
      department('transport', '市交通运输局', { bus: 8, 'bus-stop': 6, window: 2 }, { window: ['江州长途汽车客运中心售票厅', '市交通运输综合服务大厅'] }),
      department('urban-management', '市城管局', { road: 2, square: 3, toilet: 6 }, {}),
      department('health', '市卫健委', { window: 6 }, {
        window: ['市第一人民医院门诊大厅', '市第二人民医院门诊大厅', '市中医院门诊大厅', '市妇幼保健院门诊大厅', '市疾病预防控制中心接种门诊', '市中心血站献血屋'],
      }),
      department('housing', '市住建局', { site: 6, 'old-community': 4 }, {}),
      department('culture-tourism', '市文化和旅游局', { culture: 4, scenic: 3, hotel: 2, 'internet-cafe': 3 }, { culture: ['市图书馆', '市博物馆', '市文化馆', '市美术馆'] }),
      department('education', '市教育局', { school: 5, training: 4, counselling: 2 }, {
        school: ['江州一中周边', '江州二中周边', '市实验小学周边', '市第八中学周边', '江州外国语学校周边'],
        counselling: ['江州市未成年人心理健康辅导中心', '市青少年宫心理辅导站'],
      }),
      department('traffic-police', '市公安局交警支队', { junction: 6, window: 2 }, { window: ['市车辆管理所业务大厅', '交警支队交通事故处理中心'] }),
      department('government-services', '市政务服务管理局', { window: 6 }, {
        window: ['市民服务中心', '不动产登记中心服务大厅', '住房公积金管理中心服务大厅', '市医保服务大厅', '市社保服务大厅', '市民服务中心企业开办专区'],
      }),
    ],
  },
]

/** One cursor per name pool, so that no name is handed out twice. */
class Pool {
  private next = 0
  constructor(
    private readonly kind: string,
    private readonly names: readonly string[],
  ) {}
  take(): string {
    const name = this.names[this.next++]
    if (name === undefined) throw new RangeError(`the demo city has run out of ${this.kind} names`)
    return name
  }
}

const CN_DIGITS = ['', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十']

function buildRegistry(): DemoPoint[] {
  const roadNames = ROAD_STEMS.map((s, i) => `${s}${i % 7 === 3 ? '大道' : i % 11 === 5 ? '街' : '路'}`)
  const pools = {
    road: new Pool('road', roadNames),
    alley: new Pool('alley', ALLEY_NAMES),
    market: new Pool('market', MARKET_PLACES.map((p, i) => `${p}${MARKET_KINDS[i % MARKET_KINDS.length]!}`)),
    mall: new Pool('mall', MALL_NAMES),
    restaurant: new Pool('restaurant', RESTAURANT_NAMES),
    hotel: new Pool('hotel', HOTEL_NAMES),
    'old-community': new Pool('old-community', OLD_COMMUNITY_NAMES),
    community: new Pool('community', COMMUNITY_NAMES),
    square: new Pool('square', SQUARE_NAMES),
    scenic: new Pool('scenic', SCENIC_NAMES),
    river: new Pool('river', RIVER_NAMES),
    site: new Pool('site', SITE_NAMES),
    'internet-cafe': new Pool('internet-cafe', INTERNET_CAFE_NAMES),
    training: new Pool('training', TRAINING_NAMES),
    'bus-stop': new Pool('bus-stop', BUS_STOP_PLACES.map((p) => `${p}公交站台`)),
    bus: new Pool('bus', BUS_LINES),
  }
  const points: DemoPoint[] = []
  for (const group of GROUPS) {
    for (const unit of group.units) {
      const own: DemoPoint[] = []
      const add = (type: string, name: string): void => void own.push({ code: '', name, type, unit: unit.code })
      const ofType = (type: string): string[] => own.filter((p) => p.type === type).map((p) => p.name)
      for (const [type, n] of Object.entries(unit.profile)) {
        const named = unit.named?.[type] ?? []
        for (let i = 0; i < n; i++) {
          const fixed = named[i]
          if (fixed !== undefined) {
            add(type, fixed)
            continue
          }
          switch (type) {
            case 'junction': {
              const roads = ofType('road')
              if (roads.length >= 2) {
                const a = roads[i % roads.length]!
                const b = roads[(i + 1 + Math.floor(i / roads.length)) % roads.length]!
                add(type, `${a}与${b}交叉口`)
              } else {
                // A department's junctions lie on the districts' main roads, one district each.
                const district = GROUPS[0]!.units[i % GROUPS[0]!.units.length]!.code
                const main = points.filter((p) => p.unit === district && p.type === 'road').map((p) => p.name)
                add(type, i < 2 ? `${main[5]!}文明交通示范样板路` : `${main[2]!}与${main[4]!}交叉口`)
              }
              break
            }
            case 'window':
              add(type, i === 0 ? `${unit.name}政务服务中心` : `${unit.name}人民医院门诊大厅`)
              break
            case 'culture':
              add(type, group.code === 'street' ? `${unit.name}综合文化站` : i === 0 ? `${unit.name}图书馆` : `${unit.name}文化馆`)
              break
            case 'counselling':
              add(type, `${unit.name}未成年人心理健康辅导站`)
              break
            case 'school':
              add(type, group.code === 'street' ? `${unit.short}小学周边` : `${unit.name}第${CN_DIGITS[i + 1]!}小学周边`)
              break
            case 'toilet': {
              const places = [...ofType('road'), ...ofType('square')]
              const place = places[i % Math.max(1, places.length)]
              add(type, place === undefined ? `${unit.short}${i + 1}号公厕` : i < places.length ? `${place}公厕` : `${place}${i - places.length + 2}号公厕`)
              break
            }
            case 'river':
              add(type, `${pools.river.take()}（${unit.short}段）`)
              break
            default: {
              const pool = pools[type as keyof typeof pools] as Pool | undefined
              if (!pool) throw new RangeError(`the demo city has no names for point type ${type}`)
              add(type, pool.take())
            }
          }
        }
      }
      points.push(...own)
    }
  }
  return points.map((p, i) => ({ ...p, code: `P${String(i + 1).padStart(4, '0')}` }))
}

/** Every point of the city, P0001 first. */
export const POINTS: readonly DemoPoint[] = buildRegistry()

export const UNITS: readonly (DemoUnit & { group: string })[] = GROUPS.flatMap((g) => g.units.map((u) => ({ ...u, group: g.code })))

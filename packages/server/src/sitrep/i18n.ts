import type { Status } from '@truce/core';

/**
 * The report's labels in the cell's three working languages. Only labels are translated: the
 * agreement's titles, the engine's `why` sentences, organisations' free text and every id stay
 * as written (the report says so), because a machine translation of a legal explanation is a
 * new text nobody has checked. Translations of labels: reviewed by native speakers before use
 * outside the cell (docs/SITREP.md).
 */

export const languages = ['en', 'ar', 'he'] as const;
export type Language = (typeof languages)[number];

export interface Dictionary {
  /** BCP 47 tag for Intl (numbers and dates) and the `lang` attribute. */
  locale: string;
  dir: 'ltr' | 'rtl';
  title: string;
  agreement: string;
  version: string;
  date: string;
  day: (n: string) => string;
  dayColumn: string;
  phase: string;
  phaseDay: (phase: string, day: string, length: string | null) => string;
  noActivePhase: string;
  timeZone: string;
  asOf: string;
  generatedAt: string;
  coverage: string;
  ledger: (size: string) => string;
  checkpoint: (size: string, savedAt: string) => string;
  noCheckpoint: string;
  rootHash: string;
  eventsFile: (file: string, count: string) => string;
  explanationsInEnglish: string;
  provisional: string;
  sections: {
    summary: string;
    exchanges: string;
    aid: string;
    movement: string;
    incidents: string;
    disputes: string;
    compliance: string;
    sources: string;
    warnings: string;
  };
  statuses: Record<Status, string>;
  countsByStatus: string;
  now: string;
  dayBefore: string;
  changes: string;
  noChanges: string;
  obligation: string;
  status: string;
  previousStatus: string;
  progress: string;
  why: string;
  owedBy: string;
  today: string;
  total: string;
  owed: string;
  made: string;
  releasesByCategory: string;
  releaseTypes: Record<'hostage_released' | 'remains_returned' | 'prisoner_released', string>;
  category: string;
  living: string;
  deceased: string;
  pseudonymousIds: string;
  fewerThanFive: string;
  smallCellsNote: string;
  more: (n: string) => string;
  withheld: string;
  persons: string;
  reason: string;
  lastDays: (n: string) => string;
  counted: string;
  required: string;
  met: string;
  short: string;
  noFigures: string;
  inProgress: string;
  partOf: (id: string) => string;
  reconciled: (day: string) => string;
  wholePeriod: string;
  reportedThatDay: string;
  eventTypes: Record<string, string>;
  source: string;
  time: string;
  details: string;
  correctedBy: (id: string) => string;
  awaitingFinding: string;
  findings: string;
  subject: string;
  opened: string;
  claims: string;
  evidence: string;
  resolvedThatDay: string;
  alternatives: string;
  documents: string;
  reportingOrganisations: string;
  reports: string;
  types: string;
  nothing: string;
  fieldNames: Record<string, string>;
}

const en: Dictionary = {
  locale: 'en-GB',
  dir: 'ltr',
  title: 'Daily situation report',
  agreement: 'Agreement',
  version: 'version',
  date: 'Date',
  day: (n) => `Day ${n}`,
  dayColumn: 'Day',
  phase: 'Phase',
  phaseDay: (phase, day, length) =>
    length === null ? `${phase}, Day ${day}` : `${phase}, Day ${day} of ${length}`,
  noActivePhase: 'No phase in force',
  timeZone: 'Time zone',
  asOf: 'As of',
  generatedAt: 'Generated at',
  coverage: 'Data covered',
  ledger: (size) => `ledger size ${size}`,
  checkpoint: (size, savedAt) => `latest checkpoint at size ${size}, signed ${savedAt}`,
  noCheckpoint: 'no checkpoint signed yet',
  rootHash: 'root hash',
  eventsFile: (file, count) => `events file ${file} (events: ${count})`,
  explanationsInEnglish:
    'Explanations (the “why” of each status) are in English, as the engine writes them; they are not machine-translated.',
  provisional: 'The day is not over yet: this report is provisional.',
  sections: {
    summary: 'Summary',
    exchanges: 'Exchanges',
    aid: 'Humanitarian aid',
    movement: 'Movement and returns',
    incidents: 'Incidents and findings',
    disputes: 'Disputes',
    compliance: 'Compliance table',
    sources: 'Sources',
    warnings: 'Reports the engine did not apply',
  },
  statuses: {
    not_started: 'not started',
    on_track: 'on track',
    at_risk: 'at risk',
    met: 'met',
    late: 'late',
    breached: 'breached',
    disputed: 'disputed',
    suspended: 'suspended',
    waived: 'waived',
  },
  countsByStatus: 'Obligations by status',
  now: 'End of the day',
  dayBefore: 'Day before',
  changes: 'Changes since the day before',
  noChanges: 'No status changed since the day before.',
  obligation: 'Obligation',
  status: 'Status',
  previousStatus: 'Day before',
  progress: 'Progress',
  why: 'Why (English)',
  owedBy: 'Owed by',
  today: 'That day',
  total: 'In total',
  owed: 'Owed',
  made: 'Made',
  releasesByCategory: 'Releases reported, by category',
  releaseTypes: {
    hostage_released: 'Hostages released',
    remains_returned: 'Remains returned',
    prisoner_released: 'Prisoners and detainees released',
  },
  category: 'Category',
  living: 'living',
  deceased: 'deceased',
  pseudonymousIds: 'Pseudonymous ids (that day)',
  fewerThanFive: 'fewer than 5',
  smallCellsNote:
    'Counts from 1 to 4 are shown as “fewer than 5”, and no person is listed: this report leaves the cell. The events name each release by pseudonymous id for those who may read them.',
  more: (n) => `and ${n} more`,
  withheld: 'Releases withheld that day',
  persons: 'Persons',
  reason: 'Reason',
  lastDays: (n) => `Last ${n} days, each source’s figure side by side`,
  counted: 'Counted',
  required: 'Required',
  met: 'met',
  short: 'short',
  noFigures: 'no figures yet',
  inProgress: 'day in progress',
  partOf: (id) => `part of ${id}`,
  reconciled: (day) => `Sources reconciled, Day ${day}:`,
  wholePeriod: 'Totals over a period',
  reportedThatDay: 'Reported that day',
  eventTypes: {
    returns_counted: 'Returns counted',
    crossing_opened: 'Crossing opened',
    crossing_closed: 'Crossing closed',
    withdrawal_completed: 'Withdrawal completed',
    incident_reported: 'Incident reported',
    finding_recorded: 'Finding recorded',
    dispute_resolved: 'Dispute resolved',
  },
  source: 'Source',
  time: 'Time',
  details: 'Details',
  correctedBy: (id) => `corrected by ${id}`,
  awaitingFinding: 'Incidents awaiting a finding',
  findings: 'Findings recorded that day',
  subject: 'Subject',
  opened: 'Opened',
  claims: 'Claims',
  evidence: 'evidence',
  resolvedThatDay: 'Resolved that day',
  alternatives: 'Reported alternatives',
  documents: 'Documents of the agreement',
  reportingOrganisations: 'Organisations that reported on the day',
  reports: 'Reports',
  types: 'Types',
  nothing: 'Nothing reported.',
  fieldNames: {
    route: 'route',
    direction: 'direction',
    count: 'count',
    crossing: 'crossing',
    for: 'for',
    reason: 'reason',
    zone: 'zone',
    incident: 'incident',
    category: 'category',
    obligation: 'obligation',
    against: 'against',
    place: 'place',
    description: 'description',
    outcome: 'outcome',
    attributedTo: 'attributed to',
    summary: 'summary',
    dispute: 'dispute',
    decision: 'decision',
    measures: 'measures',
  },
};

const ar: Dictionary = {
  locale: 'ar',
  dir: 'rtl',
  title: 'تقرير الحالة اليومي',
  agreement: 'الاتفاق',
  version: 'النسخة',
  date: 'التاريخ',
  day: (n) => `اليوم ${n}`,
  dayColumn: 'اليوم',
  phase: 'المرحلة',
  phaseDay: (phase, day, length) =>
    length === null ? `${phase}، اليوم ${day}` : `${phase}، اليوم ${day} من ${length}`,
  noActivePhase: 'لا مرحلة سارية',
  timeZone: 'المنطقة الزمنية',
  asOf: 'حتى',
  generatedAt: 'تاريخ الإعداد',
  coverage: 'البيانات المشمولة',
  ledger: (size) => `حجم السجل ${size}`,
  checkpoint: (size, savedAt) => `آخر نقطة تحقق عند الحجم ${size}، وُقّعت في ${savedAt}`,
  noCheckpoint: 'لم تُوقَّع نقطة تحقق بعد',
  rootHash: 'تجزئة الجذر',
  eventsFile: (file, count) => `ملف الأحداث ${file} (عدد الأحداث: ${count})`,
  explanationsInEnglish:
    'الشروح (سبب كل حالة) باللغة الإنجليزية كما يصوغها المحرّك، ولم تُترجم آليًا.',
  provisional: 'لم ينتهِ اليوم بعد: هذا التقرير مؤقت.',
  sections: {
    summary: 'الملخّص',
    exchanges: 'عمليات التبادل',
    aid: 'المساعدات الإنسانية',
    movement: 'التنقّل والعودة',
    incidents: 'الحوادث والنتائج',
    disputes: 'النزاعات',
    compliance: 'جدول الامتثال',
    sources: 'المصادر',
    warnings: 'بلاغات لم يطبّقها المحرّك',
  },
  statuses: {
    not_started: 'لم يبدأ',
    on_track: 'على المسار',
    at_risk: 'معرّض للخطر',
    met: 'مُنجَز',
    late: 'مُنجَز متأخرًا',
    breached: 'منتهَك',
    disputed: 'متنازَع عليه',
    suspended: 'معلّق',
    waived: 'متنازَل عنه',
  },
  countsByStatus: 'الالتزامات حسب الحالة',
  now: 'نهاية اليوم',
  dayBefore: 'اليوم السابق',
  changes: 'التغييرات منذ اليوم السابق',
  noChanges: 'لم تتغيّر أي حالة منذ اليوم السابق.',
  obligation: 'الالتزام',
  status: 'الحالة',
  previousStatus: 'اليوم السابق',
  progress: 'التقدّم',
  why: 'السبب (بالإنجليزية)',
  owedBy: 'الطرف الملتزم',
  today: 'في ذلك اليوم',
  total: 'المجموع',
  owed: 'المستحق',
  made: 'المُنفَّذ',
  releasesByCategory: 'الإفراجات المبلَّغ عنها حسب الفئة',
  releaseTypes: {
    hostage_released: 'الرهائن المُفرج عنهم',
    remains_returned: 'الرفات المُعادة',
    prisoner_released: 'الأسرى والمعتقلون المُفرج عنهم',
  },
  category: 'الفئة',
  living: 'أحياء',
  deceased: 'متوفّون',
  pseudonymousIds: 'المعرّفات المستعارة (ذلك اليوم)',
  fewerThanFive: 'أقل من 5',
  smallCellsNote:
    'تظهر الأعداد من 1 إلى 4 على أنها «أقل من 5» ولا يُذكر أي شخص: هذا التقرير يخرج من الخلية. تذكر الأحداث كل إفراج بمعرّف مستعار لمن يحق له الاطلاع عليها.',
  more: (n) => `و${n} آخرون`,
  withheld: 'إفراجات حُجبت في ذلك اليوم',
  persons: 'الأشخاص',
  reason: 'السبب المُعلن',
  lastDays: (n) => `آخر ${n} أيام، رقم كل مصدر جنبًا إلى جنب`,
  counted: 'المحتسب',
  required: 'المطلوب',
  met: 'مستوفى',
  short: 'ناقص',
  noFigures: 'لا أرقام بعد',
  inProgress: 'اليوم جارٍ',
  partOf: (id) => `جزء من ${id}`,
  reconciled: (day) => `مطابقة المصادر، اليوم ${day}:`,
  wholePeriod: 'المجاميع على مدى فترة',
  reportedThatDay: 'ما أُبلغ عنه في ذلك اليوم',
  eventTypes: {
    returns_counted: 'إحصاء العائدين',
    crossing_opened: 'فتح معبر',
    crossing_closed: 'إغلاق معبر',
    withdrawal_completed: 'اكتمال انسحاب',
    incident_reported: 'بلاغ عن حادث',
    finding_recorded: 'تسجيل نتيجة',
    dispute_resolved: 'حسم نزاع',
  },
  source: 'المصدر',
  time: 'الوقت',
  details: 'التفاصيل',
  correctedBy: (id) => `صُحّح بـ ${id}`,
  awaitingFinding: 'حوادث بانتظار نتيجة',
  findings: 'نتائج سُجّلت في ذلك اليوم',
  subject: 'الموضوع',
  opened: 'فُتح',
  claims: 'الادعاءات',
  evidence: 'الأدلة',
  resolvedThatDay: 'حُسم في ذلك اليوم',
  alternatives: 'قيم بديلة مُبلَّغ عنها',
  documents: 'وثائق الاتفاق',
  reportingOrganisations: 'الجهات التي أبلغت عن ذلك اليوم',
  reports: 'البلاغات',
  types: 'الأنواع',
  nothing: 'لم يُبلَّغ عن شيء.',
  fieldNames: {
    route: 'الطريق',
    direction: 'الاتجاه',
    count: 'العدد',
    crossing: 'المعبر',
    for: 'لـ',
    reason: 'السبب',
    zone: 'المنطقة',
    incident: 'الحادث',
    category: 'الفئة',
    obligation: 'الالتزام',
    against: 'ضد',
    place: 'المكان',
    description: 'الوصف',
    outcome: 'النتيجة',
    attributedTo: 'يُنسب إلى',
    summary: 'الخلاصة',
    dispute: 'النزاع',
    decision: 'القرار',
    measures: 'التدابير',
  },
};

const he: Dictionary = {
  locale: 'he',
  dir: 'rtl',
  title: 'דוח מצב יומי',
  agreement: 'הסכם',
  version: 'גרסה',
  date: 'תאריך',
  day: (n) => `יום ${n}`,
  dayColumn: 'יום',
  phase: 'שלב',
  phaseDay: (phase, day, length) =>
    length === null ? `${phase}, יום ${day}` : `${phase}, יום ${day} מתוך ${length}`,
  noActivePhase: 'אין שלב בתוקף',
  timeZone: 'אזור זמן',
  asOf: 'נכון ל',
  generatedAt: 'הופק ב',
  coverage: 'הנתונים המכוסים',
  ledger: (size) => `גודל היומן ${size}`,
  checkpoint: (size, savedAt) => `נקודת הביקורת האחרונה בגודל ${size}, נחתמה ב־${savedAt}`,
  noCheckpoint: 'טרם נחתמה נקודת ביקורת',
  rootHash: 'גיבוב השורש',
  eventsFile: (file, count) => `קובץ האירועים ${file} (מספר אירועים: ${count})`,
  explanationsInEnglish:
    'ההסברים (הנימוק של כל סטטוס) באנגלית, כפי שהמנוע מנסח אותם; הם לא תורגמו בתרגום מכונה.',
  provisional: 'היום טרם הסתיים: הדוח זמני.',
  sections: {
    summary: 'תקציר',
    exchanges: 'חילופים',
    aid: 'סיוע הומניטרי',
    movement: 'תנועה וחזרה',
    incidents: 'תקריות וממצאים',
    disputes: 'מחלוקות',
    compliance: 'טבלת עמידה בהתחייבויות',
    sources: 'מקורות',
    warnings: 'דיווחים שהמנוע לא החיל',
  },
  statuses: {
    not_started: 'טרם החל',
    on_track: 'במסלול',
    at_risk: 'בסיכון',
    met: 'קוים',
    late: 'קוים באיחור',
    breached: 'הופר',
    disputed: 'במחלוקת',
    suspended: 'מושהה',
    waived: 'נמחל',
  },
  countsByStatus: 'התחייבויות לפי סטטוס',
  now: 'סוף היום',
  dayBefore: 'היום הקודם',
  changes: 'שינויים מאז היום הקודם',
  noChanges: 'אף סטטוס לא השתנה מאז היום הקודם.',
  obligation: 'התחייבות',
  status: 'סטטוס',
  previousStatus: 'היום הקודם',
  progress: 'התקדמות',
  why: 'נימוק (באנגלית)',
  owedBy: 'הצד המחויב',
  today: 'באותו יום',
  total: 'סך הכול',
  owed: 'נדרש',
  made: 'בוצע',
  releasesByCategory: 'שחרורים שדווחו, לפי קטגוריה',
  releaseTypes: {
    hostage_released: 'חטופים ששוחררו',
    remains_returned: 'גופות שהוחזרו',
    prisoner_released: 'אסירים ועצורים ששוחררו',
  },
  category: 'קטגוריה',
  living: 'בחיים',
  deceased: 'חללים',
  pseudonymousIds: 'מזהים בדויים (באותו יום)',
  fewerThanFive: 'פחות מ-5',
  smallCellsNote:
    'מספרים מ-1 עד 4 מוצגים כ״פחות מ-5״ ואף אדם אינו נמנה: הדוח יוצא מהתא. האירועים מציינים כל שחרור במזהה בדוי למי שרשאי לקרוא אותם.',
  more: (n) => `ועוד ${n}`,
  withheld: 'שחרורים שעוכבו באותו יום',
  persons: 'אנשים',
  reason: 'סיבה',
  lastDays: (n) => `${n} הימים האחרונים, הנתון של כל מקור זה לצד זה`,
  counted: 'נספר',
  required: 'נדרש',
  met: 'עמד',
  short: 'חסר',
  noFigures: 'אין נתונים עדיין',
  inProgress: 'היום בעיצומו',
  partOf: (id) => `חלק מ־${id}`,
  reconciled: (day) => `התאמת המקורות, יום ${day}:`,
  wholePeriod: 'סיכומים לאורך תקופה',
  reportedThatDay: 'דווח באותו יום',
  eventTypes: {
    returns_counted: 'ספירת חוזרים',
    crossing_opened: 'פתיחת מעבר',
    crossing_closed: 'סגירת מעבר',
    withdrawal_completed: 'השלמת נסיגה',
    incident_reported: 'דיווח על תקרית',
    finding_recorded: 'רישום ממצא',
    dispute_resolved: 'הכרעה במחלוקת',
  },
  source: 'מקור',
  time: 'שעה',
  details: 'פרטים',
  correctedBy: (id) => `תוקן ב־${id}`,
  awaitingFinding: 'תקריות הממתינות לממצא',
  findings: 'ממצאים שנרשמו באותו יום',
  subject: 'נושא',
  opened: 'נפתחה',
  claims: 'טענות',
  evidence: 'ראיות',
  resolvedThatDay: 'הוכרעו באותו יום',
  alternatives: 'ערכים חלופיים שדווחו',
  documents: 'מסמכי ההסכם',
  reportingOrganisations: 'גופים שדיווחו על היום',
  reports: 'דיווחים',
  types: 'סוגים',
  nothing: 'לא דווח דבר.',
  fieldNames: {
    route: 'ציר',
    direction: 'כיוון',
    count: 'מספר',
    crossing: 'מעבר',
    for: 'עבור',
    reason: 'סיבה',
    zone: 'אזור',
    incident: 'תקרית',
    category: 'קטגוריה',
    obligation: 'התחייבות',
    against: 'נגד',
    place: 'מקום',
    description: 'תיאור',
    outcome: 'תוצאה',
    attributedTo: 'מיוחס ל',
    summary: 'סיכום',
    dispute: 'מחלוקת',
    decision: 'החלטה',
    measures: 'צעדים',
  },
};

export const dictionaries: Record<Language, Dictionary> = { en, ar, he };

export function isLanguage(value: string): value is Language {
  return (languages as readonly string[]).includes(value);
}

/** Numbers and dates in the language's conventions, dates in the agreement's time zone. */
export interface Formatter {
  number(n: number): string;
  /** A calendar date, e.g. "Monday 10 February 2025". */
  date(instant: string): string;
  /** Date and time, e.g. "10 Feb 2025, 14:30". */
  dateTime(instant: string): string;
  /** Time of day, e.g. "14:30". */
  time(instant: string): string;
}

export function formatter(language: Language, timeZone: string): Formatter {
  const { locale } = dictionaries[language];
  const numbers = new Intl.NumberFormat(locale);
  const dates = new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'full' });
  const dateTimes = new Intl.DateTimeFormat(locale, {
    timeZone,
    dateStyle: 'medium',
    timeStyle: 'short',
    hourCycle: 'h23',
  });
  const times = new Intl.DateTimeFormat(locale, { timeZone, timeStyle: 'short', hourCycle: 'h23' });
  return {
    number: (n) => numbers.format(n),
    date: (instant) => dates.format(Date.parse(instant)),
    dateTime: (instant) => dateTimes.format(Date.parse(instant)),
    time: (instant) => times.format(Date.parse(instant)),
  };
}

/**
 * Writes the synthetic HXL samples (examples/aid/) and the encoding and bad-input fixtures of
 * the HXL tests (packages/server/src/hxl/testdata/). Run: npx tsx scripts/generate-aid-examples.ts
 * The samples come from a seeded generator in the core; a test checks the committed files are
 * what it gives.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hxl } from '@truce/core';

const root = new URL('..', import.meta.url).pathname;
const examples = join(root, 'examples/aid');
const testdata = join(root, 'packages/server/src/hxl/testdata');
mkdirSync(examples, { recursive: true });
mkdirSync(testdata, { recursive: true });

for (const [name, text] of Object.entries(hxl.aidSampleFiles())) {
  writeFileSync(join(examples, name), text);
}

/** Windows-1256 bytes of a text (the inverse of Node's decoder, built from its 256 codes). */
function windows1256(text: string): Buffer {
  const decoder = new TextDecoder('windows-1256');
  const codes = new Map<string, number>();
  for (let byte = 0; byte < 256; byte++) codes.set(decoder.decode(Uint8Array.of(byte)), byte);
  return Buffer.from(
    [...text].map((char) => {
      const code = codes.get(char);
      if (code === undefined) throw new Error(`not in Windows-1256: ${char}`);
      return code;
    }),
  );
}

const lines = (...rows: string[]) => rows.map((row) => `${row}\r\n`).join('');
const arabic = lines(
  'التاريخ,المعبر,المنظمة,الفئة,عدد الشاحنات,ملاحظة',
  '#date,#loc+code,#org+code,#item+type,#indicator+num+trucks,#meta+note',
  '2025-01-20,kerem-shalom,un,food,120,قافلة غذائية',
  '2025-01-20,zikim,un,water,14,مياه الشرب',
);
const files: Record<string, Buffer | string> = {
  'arabic-windows-1256.csv': windows1256(arabic),
  'arabic-utf8-bom.csv': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(arabic)]),
  'utf16.csv': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(arabic, 'utf16le')]),
  'semicolons.csv': lines(
    'Date;Crossing;Organisation;Cargo;Trucks',
    '#date;#loc+code;#org+code;#item+type;#indicator+num+trucks',
    '2025-01-20;kerem-shalom;un;food;120',
  ),
  'no-hashtag-row.csv': lines(
    'Date,Crossing,Organisation,Cargo,Trucks',
    '2025-01-20,kerem-shalom,un,food,120',
  ),
  'bad-rows.csv': lines(
    'Date,Crossing,Organisation,Cargo,Trucks',
    '#date,#loc+name,#org+code,#item+type,#indicator+num+trucks',
    '2025-01-20,Kerem Shalom,un,food,120',
    '2025-01-20,Kerem Shalom,un,food,-4',
    '2025-01-20,Kerem Shalom,un,food,twelve',
    '2025-01-20 14:00,Kerem Shalom,un,food,10',
    '2025-01-20,Karni,un,food,10',
    '2025-01-20,Zikim,example-relief,food,10',
    '2025-01-21,Zikim,un,food,10',
  ),
  'unclosed-quote.csv': lines(
    'Date,Crossing,Organisation,Cargo,Trucks',
    '#date,#loc+code,#org+code,#item+type,#indicator+num+trucks',
    '2025-01-20,kerem-shalom,un,"food,120',
    '2025-01-21,kerem-shalom,un,food,120',
  ),
};
for (const [name, content] of Object.entries(files)) writeFileSync(join(testdata, name), content);
console.log(`wrote examples/aid and ${Object.keys(files).length} fixtures`);

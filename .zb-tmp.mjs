import { build } from 'esbuild';
const entry = process.argv[2];
const extra = process.argv[3] ? { plugins: (await import(process.cwd() + "/.zb-plugin.cjs")).default } : {};
const r = await build({ entryPoints: [entry], bundle: true, minify: true, target: 'node22', platform: 'node', format: 'cjs', external: ['@aws-sdk/*'], write: false, metafile: true, outfile: '/tmp/zb-out.js', ...extra });
const out = Object.values(r.metafile.outputs)[0];
const by = {};
for (const [f, v] of Object.entries(out.inputs)) { const m = f.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/); const k = m ? m[1] : 'src'; by[k] = (by[k]||0) + v.bytesInOutput; }
const locales = Object.entries(out.inputs).filter(([f]) => f.includes('zod') && f.includes('locales')).reduce((s,[,v])=>s+v.bytesInOutput,0);
console.log(entry, 'total', out.bytes, JSON.stringify(Object.entries(by).sort((a,b)=>b[1]-a[1]).slice(0,8)), 'zodLocales', locales);

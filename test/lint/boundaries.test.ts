/** The house rule is enforced by the lint: these probes must be refused (and a legal one accepted). */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// probes are not files of the TypeScript project, so the type-aware rules are off for them
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
});

async function restricted(filePath: string, code: string): Promise<boolean> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${filePath}` });
  return (result?.messages ?? []).some((m) => m.ruleId === 'no-restricted-imports');
}

describe('lint: feature boundaries', () => {
  it('a feature cannot import a sibling feature or cli/', async () => {
    assert.equal(await restricted('src/json/probe.ts', "import { render } from '../prometheus/render.js';\nexport const x = render;\n"), true);
    assert.equal(await restricted('src/collectors/docker/probe.ts', "import { TcpBuilder } from '../../tcp/builder.js';\nexport const x = TcpBuilder;\n"), true);
    assert.equal(await restricted('src/prometheus/probe.ts', "import { main } from '../cli/main.js';\nexport const x = main;\n"), true);
    assert.equal(await restricted('src/http/probe.ts', "import { render } from '../prometheus/render.js';\nexport const x = render;\n"), true);
  });

  it('core imports nothing outside core/', async () => {
    assert.equal(await restricted('src/core/probe.ts', "import { HttpServer } from '../http/server.js';\nexport const x = HttpServer;\n"), true);
    assert.equal(await restricted('src/core/layers/probe.ts', "import { HttpServer } from '../../http/server.js';\nexport const x = HttpServer;\n"), true);
  });

  it('features may import core/ and http/; cli/ may import anything', async () => {
    assert.equal(await restricted('src/json/probe.ts', "import { Registry } from '../core/registry.js';\nimport type { Handler } from '../http/server.js';\nexport const x = Registry;\nexport type H = Handler;\n"), false);
    assert.equal(await restricted('src/cli/probe.ts', "import { render } from '../prometheus/render.js';\nexport const x = render;\n"), false);
  });
});

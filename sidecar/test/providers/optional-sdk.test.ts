import fs from 'node:fs';
import path from 'node:path';
import { OAuth2Client } from 'google-auth-library';
import { DwError, toErrorInfo } from '../../src/errors/errors';
import type * as Providers from '../../src/providers';
import { createProvider, OPTIONAL_SDKS, ProviderUnavailableError, type ModuleLoader, type ProviderName } from '../../src/providers';

/** The environment each cloud provider needs to get past its own checks. */
const ENVS: Record<keyof typeof OPTIONAL_SDKS, Record<string, string>> = {
  bedrock: {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  },
  vertex: { CLOUD_ML_REGION: 'us-east5', ANTHROPIC_VERTEX_PROJECT_ID: 'my-project' },
  foundry: { ANTHROPIC_FOUNDRY_API_KEY: 'foundry-key-0123456789abcdef', ANTHROPIC_FOUNDRY_RESOURCE: 'contoso-ai' },
};

/** Vertex with an auth client of its own, so no test looks for Google's default credentials (a metadata-server lookup). */
const AUTH: Record<string, { googleAuthClient?: OAuth2Client }> = { vertex: { googleAuthClient: new OAuth2Client() } };

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  name: string;
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
};

/** What Node throws for a package that is not installed (with the require stack that names local paths). */
function notFound(id: string): Error {
  return Object.assign(new Error(`Cannot find module '${id}'\nRequire stack:\n- /srv/sidecar/dist/providers/optional-sdk.js`), {
    code: 'MODULE_NOT_FOUND',
  });
}

/** A resolver in which the named packages are missing and everything else loads as usual. */
function without(...missing: string[]): ModuleLoader & { asked: string[] } {
  const asked: string[] = [];
  const load = (id: string): unknown => {
    asked.push(id);
    if (missing.includes(id)) throw notFound(id);
    return jest.requireActual(id);
  };
  return Object.assign(load, { asked });
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('optional provider SDKs', () => {
  it('lists as optional dependencies exactly the packages the cloud providers load, and none of them as a dependency', () => {
    const optional = [...new Set(Object.values(OPTIONAL_SDKS).flat())].sort();
    expect(Object.keys(manifest.optionalDependencies).sort()).toEqual(optional);
    for (const name of optional) expect(manifest.dependencies[name]).toBeUndefined();
  });

  it.each(
    Object.entries(OPTIONAL_SDKS).flatMap(([provider, pkgs]) => pkgs.map((pkg): [ProviderName, string] => [provider as ProviderName, pkg])),
  )('%s without %s fails with provider_unavailable naming the package and how to install it', (provider, pkg) => {
    const load = without(pkg);
    const err = errorOf(() => createProvider(provider, ENVS[provider as keyof typeof ENVS], { ...AUTH[provider], loadModule: load }));

    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect(err).toBeInstanceOf(DwError);
    const e = err as ProviderUnavailableError;
    expect(e.code).toBe('provider_unavailable');
    expect(e.status).toBe(500);
    expect(e.provider).toBe(provider);
    expect(e.packageName).toBe(pkg);
    expect(e.message).toContain(`Provider \`${provider}\` needs the package ${pkg}`);
    expect(e.message).toContain(`npm install ${pkg}@${manifest.optionalDependencies[pkg]}`);
    expect(e.message).toContain(manifest.name);
    expect(e.message).toContain('--omit=optional');
    expect(e.message).toContain(`not installed: Cannot find module '${pkg}'`);
    // Only the first line of Node's message: the require stack names local paths.
    expect(e.message).not.toContain('Require stack');
    expect(e.message).not.toContain('/srv/sidecar');
    expect(toErrorInfo(err)).toEqual({ code: 'provider_unavailable', message: e.message });
  });

  it('reports a package that is installed but fails to load with its error', () => {
    const load: ModuleLoader = (id) => {
      if (id === '@anthropic-ai/foundry-sdk') throw new Error('Unexpected token in foundry-sdk/index.js');
      return jest.requireActual(id);
    };
    const err = errorOf(() => createProvider('foundry', ENVS.foundry, { loadModule: load })) as ProviderUnavailableError;
    expect(err.code).toBe('provider_unavailable');
    expect(err.message).toContain('(Unexpected token in foundry-sdk/index.js)');
  });

  it('reports a package that exports nothing', () => {
    const err = errorOf(() => createProvider('bedrock', ENVS.bedrock, { loadModule: () => undefined })) as ProviderUnavailableError;
    expect(err.code).toBe('provider_unavailable');
    expect(err.message).toContain('it exported nothing');
  });

  it('loads a provider’s SDK only when that provider is built, and only its own', () => {
    for (const [provider, pkgs] of Object.entries(OPTIONAL_SDKS)) {
      const load = without();
      createProvider(provider as ProviderName, ENVS[provider as keyof typeof ENVS], { ...AUTH[provider], loadModule: load });
      expect(load.asked).toEqual([...pkgs]);
    }
    const none = without(...Object.values(OPTIONAL_SDKS).flat());
    createProvider('anthropic', { ANTHROPIC_API_KEY: 'sk-ant-api03-0123456789abcdef' }, { loadModule: none });
    createProvider('offline', {}, { baseURL: 'http://127.0.0.1:1', loadModule: none });
    expect(none.asked).toEqual([]);
  });

  it('refuses a loadModule that is not a function', () => {
    expect(() =>
      createProvider('offline', {}, { baseURL: 'http://127.0.0.1:1', loadModule: 'require' as unknown as ModuleLoader }),
    ).toThrow(/loadModule/);
  });

  describe('with the SDK packages missing from the module system', () => {
    const ALL = [...new Set(Object.values(OPTIONAL_SDKS).flat())];

    /** The providers module, freshly loaded, in a registry where requiring any optional SDK throws as for a missing package. */
    function providersWithoutSdks(): typeof Providers {
      let mod: typeof Providers | undefined;
      jest.isolateModules(() => {
        for (const id of ALL) {
          jest.doMock(id, () => {
            throw notFound(id);
          });
        }
        mod = jest.requireActual<typeof Providers>('../../src/providers');
      });
      return mod!;
    }

    afterEach(() => {
      for (const id of ALL) jest.dontMock(id);
    });

    it('loads the providers and builds anthropic and offline without them', () => {
      const providers = providersWithoutSdks();
      expect(providers.createProvider('offline', {}, { baseURL: 'http://127.0.0.1:1' }).name).toBe('offline');
      expect(providers.createProvider('anthropic', { ANTHROPIC_API_KEY: 'sk-ant-api03-0123456789abcdef' }).name).toBe('anthropic');
    });

    it.each(Object.keys(OPTIONAL_SDKS))('fails to build %s with provider_unavailable through the default loader', (provider) => {
      const providers = providersWithoutSdks();
      const err = errorOf(() => providers.createProvider(provider as ProviderName, ENVS[provider as keyof typeof ENVS], AUTH[provider]));
      expect(toErrorInfo(err).code).toBe('provider_unavailable');
      expect(toErrorInfo(err).message).toContain(OPTIONAL_SDKS[provider as keyof typeof OPTIONAL_SDKS][0]);
    });
  });
});

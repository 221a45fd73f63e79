import fs from 'node:fs';
import path from 'node:path';

// The node package follows n8n's own file naming (as in n8n-nodes-base's versioned nodes):
// PascalCase for the files n8n loads by name (Name.node.ts, Name.node.json, Name.credentials.ts)
// and for a resource's description (Name.resource.ts); camelCase for everything else, with an
// optional role suffix (.operation.ts, .descriptions.ts, .type.ts) and theme suffix for icons.
const root = path.join(__dirname, '..', '..');
const CAMEL = '[a-z][a-zA-Z0-9]*';
const PASCAL = '[A-Z][a-zA-Z0-9]*';
const RULES: Array<{ what: string; re: RegExp }> = [
	{ what: 'node entry', re: new RegExp(`^${PASCAL}\\.node\\.(ts|json)$`) },
	{ what: 'credentials', re: new RegExp(`^${PASCAL}\\.credentials\\.ts$`) },
	{ what: 'resource description', re: new RegExp(`^${PASCAL}\\.resource\\.ts$`) },
	{ what: 'module', re: new RegExp(`^${CAMEL}(\\.(operation|descriptions|type))?\\.ts$`) },
	{ what: 'icon', re: new RegExp(`^${CAMEL}(\\.dark)?\\.svg$`) },
];
const FOLDER = new RegExp(`^(${PASCAL}|${CAMEL})$`);

function filesUnder(dir: string): string[] {
	const out: string[] = [];
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) out.push(full, ...filesUnder(full));
		else out.push(full);
	}
	return out;
}

describe('file names in the node package', () => {
	const files = ['nodes', 'credentials']
		.flatMap((d) => filesUnder(path.join(root, d)))
		.map((f) => path.relative(root, f));

	it('finds the package files', () => {
		expect(files).toContain(path.join('nodes', 'DynamicWorkflow', 'DynamicWorkflow.node.ts'));
		expect(files.length).toBeGreaterThan(20);
	});

	it('names every file and folder the way n8n names its own', () => {
		const wrong = files.filter((f) => {
			const name = path.basename(f);
			if (fs.statSync(path.join(root, f)).isDirectory()) return !FOLDER.test(name);
			return !RULES.some((r) => r.re.test(name));
		});
		expect(wrong).toEqual([]);
	});

	it('keeps PascalCase for the files n8n loads by name and nothing else', () => {
		const pascal = files.filter(
			(f) => /^[A-Z]/.test(path.basename(f)) && !fs.statSync(path.join(root, f)).isDirectory(),
		);
		for (const f of pascal)
			expect(path.basename(f)).toMatch(/\.(node|credentials|resource)\.(ts|json)$/);
	});

	it('rejects the names the rule exists to catch', () => {
		const accepted = (name: string) => RULES.some((r) => r.re.test(name));
		expect(accepted('run-id.ts')).toBe(false);
		expect(accepted('json_parameter.ts')).toBe(false);
		expect(accepted('Helpers.ts')).toBe(false);
		expect(accepted('runId.ts')).toBe(true);
		expect(accepted('getScript.operation.ts')).toBe(true);
	});
});

import { isExecutableFile } from '../../../shared/node/report/chromium-pdf';

/** The Chromium the PDF tests print with (Debian's package). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * The tools a test needs, or an error that names the package to install: a PDF test that cannot
 * print fails, it is never skipped.
 */
export function requireTools(tools: readonly (readonly [file: string, pkg: string])[]): void {
  const missing = tools.filter(([file]) => !isExecutableFile(file));
  if (missing.length > 0) throw new Error(`This test needs ${missing.map(([file, pkg]) => `${file} (apt-get install ${pkg})`).join(' and ')}, and it is not installed.`);
}

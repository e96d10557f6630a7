/**
 * Jars from Maven Central, fetched once with `mvn dependency:copy-dependencies` into the project's
 * cache folder (`KAFKA_CACHE_DIR`, default `~/.cache/kafka-lambda-system`), never into git.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface MavenArtifact {
  groupId: string;
  artifactId: string;
  version: string;
}

/** The cache folder every fetched jar set lives under. */
export function jarCacheRoot(): string {
  return process.env.KAFKA_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kafka-lambda-system');
}

/**
 * Fetches the artifacts and their dependencies into `<dir>/libs` unless done before; returns that
 * folder (a classpath of `<libs>/*`). Throws with Maven's error when the fetch fails.
 */
export function ensureMavenJars(dir: string, artifacts: readonly MavenArtifact[], what: string): string {
  const libs = join(dir, 'libs');
  if (existsSync(join(dir, '.complete'))) return libs;
  mkdirSync(dir, { recursive: true });
  const dependencies = artifacts
    .map((a) => `    <dependency><groupId>${a.groupId}</groupId><artifactId>${a.artifactId}</artifactId><version>${a.version}</version></dependency>`)
    .join('\n');
  const pom = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId><artifactId>kafka-lambda-system-jars</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
${dependencies}
  </dependencies>
</project>
`;
  writeFileSync(join(dir, 'pom.xml'), pom);
  process.stderr.write(`Fetching ${what} from Maven Central into ${dir} (first use only)...\n`);
  // Maven's output is kept for a failure only: even `-q -B` ends with ANSI resets (Maven 3.8's jansi),
  // which would leak into the next line printed.
  execFileSync('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  writeFileSync(join(dir, '.complete'), new Date().toISOString());
  return libs;
}

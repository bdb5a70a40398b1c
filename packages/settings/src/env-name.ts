/**
 * The environment variable of a field: `databaseUrl` → `DATABASE_URL`,
 * `apiURL` → `API_URL`, `s3Bucket` → `S3_BUCKET` (pydantic-settings' names,
 * upper-cased as shells write them).
 */
export function envName(field: string): string {
  return field
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toUpperCase();
}

/**
 * @module
 * Typed settings for fastts apps, the way pydantic-settings reads them: a
 * class whose fields carry class-validator rules, filled from the environment
 * and an optional .env file, with every missing or invalid variable reported
 * in one error before the server starts.
 */
export { loadSettings, type LoadSettingsOptions } from './load.js';
export { Env, type EnvOptions, type SettingType } from './env-decorator.js';
export { envName } from './env-name.js';
export { SettingsError, settingsErrorCodes, type SettingsErrorCode, type SettingsIssue } from './errors.js';

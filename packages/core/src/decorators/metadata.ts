/// <reference types="reflect-metadata" />
import { requireCjs } from '../internal/lazy.js';
import type { HttpMethod, RouteOptions } from './methods.js';
import type { ControllerOptions } from './controller.js';
import type { ParamSpec } from './params.js';

// Installs Reflect.metadata, which TypeScript's emitted `design:*` metadata calls need.
requireCjs('reflect-metadata');

// Decorators only write plain data here; the app reads it once, when it compiles
// its routes. Nothing in this file runs per request.
const kController = Symbol('fastts:controller');
const kRoutes = Symbol('fastts:routes');
const kParams = Symbol('fastts:params');

export interface ControllerMeta {
  prefix: string;
  options: ControllerOptions;
}

export interface RouteMeta {
  propertyKey: string | symbol;
  methods: HttpMethod[];
  path: string;
  options: RouteOptions;
}

export function setControllerMeta(target: object, meta: ControllerMeta): void {
  Reflect.defineMetadata(kController, meta, target);
}

export function getControllerMeta(target: object): ControllerMeta | undefined {
  return Reflect.getOwnMetadata(kController, target);
}

export function addRouteMeta(target: object, meta: RouteMeta): void {
  const routes: RouteMeta[] = Reflect.getOwnMetadata(kRoutes, target) ?? [];
  routes.push(meta);
  Reflect.defineMetadata(kRoutes, routes, target);
}

/** Routes in the order their methods appear in the class body. */
export function getRouteMetas(target: object): RouteMeta[] {
  return Reflect.getOwnMetadata(kRoutes, target) ?? [];
}

export function setParamSpec(target: object, propertyKey: string | symbol | undefined, index: number, spec: ParamSpec): void {
  const specs: ParamSpec[] = Reflect.getOwnMetadata(kParams, target, propertyKey as string) ?? [];
  specs[index] = spec;
  Reflect.defineMetadata(kParams, specs, target, propertyKey as string);
}

/** Declared parameter specs by index (sparse: undecorated parameters are holes). */
export function getParamSpecs(target: object, propertyKey?: string | symbol): (ParamSpec | undefined)[] {
  return Reflect.getOwnMetadata(kParams, target, propertyKey as string) ?? [];
}

/** TypeScript's emitted parameter types, or undefined when metadata was not emitted. */
export function getDesignParamTypes(target: object, propertyKey?: string | symbol): unknown[] | undefined {
  return Reflect.getOwnMetadata('design:paramtypes', target, propertyKey as string);
}

/** The parameter types of a class's constructor, as TypeScript emitted them. */
export function getConstructorParamTypes(cls: Function): unknown[] | undefined {
  return Reflect.getOwnMetadata('design:paramtypes', cls);
}

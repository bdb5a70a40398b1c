import type { DependencyStep, Plan } from '../di/plan.js';
import { securitySchemeOf, type SecuritySchemeInfo } from './scheme.js';
import { mergeScopes } from './scopes.js';

/** One entry of an operation's `security`: a scheme and the scopes required of it. */
export interface SecurityRequirement {
  name: string;
  scheme: SecuritySchemeInfo['openapi'];
  /** Every scope of the `Security()` markers above the scheme, merged, over all the paths that reach it. */
  scopes: string[];
}

/**
 * The security schemes a compiled route depends on, anywhere in its tree
 * (its own parameters and the route, controller, router and app
 * `dependencies`), each once, in the order a depth-first walk meets them
 * (FastAPI's `_get_openapi_dependency_data`). Overridden dependencies are
 * described as declared, so the document does not change under test overrides.
 */
export function describeSecurity(route: { readonly plan: Plan }): SecurityRequirement[] {
  const found = new Map<string, SecurityRequirement>();
  const visited = new Map<Plan, Set<string>>();
  const visit = (step: DependencyStep, parentScopes: readonly string[]) => {
    const scopes = mergeScopes(parentScopes, step.scopes);
    const scheme = securitySchemeOf(step.dependency);
    // FastAPI's walk skips what it has seen under the same cache key: the plan, and its scope set if it uses scopes.
    const id = step.plan.usesScopes || scheme ? [...new Set(scopes)].sort().join(' ') : '';
    const seen = visited.get(step.plan) ?? visited.set(step.plan, new Set()).get(step.plan)!;
    if (seen.has(id)) return;
    seen.add(id);
    if (scheme) {
      const known = found.get(scheme.name);
      if (known) {
        known.scheme = scheme.openapi;
        for (const scope of scopes) if (!known.scopes.includes(scope)) known.scopes.push(scope);
      } else {
        found.set(scheme.name, { name: scheme.name, scheme: scheme.openapi, scopes: [...scopes] });
      }
    }
    for (const dep of step.plan.deps) visit(dep, scopes);
  };
  for (const dep of route.plan.deps) visit(dep, []);
  return [...found.values()];
}

import type { z } from 'zod';
import type * as S from '../schema/remote';

/** The server-side facts the tree reads (schemas in schema/remote.ts). */
export type SelfProbeStatus = z.infer<typeof S.SelfProbeStatus>;
export type SelfProbe = z.infer<typeof S.SelfProbe>;
export type RuleCulprit = z.infer<typeof S.RuleCulprit>;
export type PolicyCulprit = z.infer<typeof S.PolicyCulprit>;
export type LogSignature = z.infer<typeof S.LogSignature>;
export type ServiceFacts = z.infer<typeof S.ServiceFacts>;
export type RemoteFacts = z.infer<typeof S.RemoteFacts>;
export type ContainerFact = z.infer<typeof S.ContainerFact>;

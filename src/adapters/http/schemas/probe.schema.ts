import { Type } from '@sinclair/typebox';

export const ProbeStatusSchema = Type.Object(
  { status: Type.String({ description: '`ok` (liveness), `ready`, or `unavailable`' }) },
  { $id: 'ProbeStatus', description: 'A Kubernetes probe answer', examples: [{ status: 'ready' }] },
);

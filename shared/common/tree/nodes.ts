import { clientNodes } from './client-nodes';
import { pathNodes } from './path-nodes';
import { remoteNodes } from './remote-nodes';
import { symptomNodes } from './symptom-nodes';
import type { NodeId, TreeNode } from './types';

/** The whole decision tree of refused-catalog.md §3, keyed by node id. */
export const treeNodes: Readonly<Record<NodeId, TreeNode>> = { ...clientNodes, ...pathNodes, ...remoteNodes, ...symptomNodes };

export const ROOT_NODE: NodeId = 'T0';

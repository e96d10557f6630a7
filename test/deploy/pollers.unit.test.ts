/**
 * Lambda's provisioned-poller rules as lib/deploy checks them at packaging (lib/deploy/pollers.ts).
 */
import { type MappingPollers, pollerProblems, withPollerGroup } from '../../lib/deploy/pollers';

const mapping = (logicalId: string, config: MappingPollers['config']): MappingPollers => ({ logicalId, config });
const many = (count: number, config: MappingPollers['config']) => Array.from({ length: count }, (_, i) => mapping(`M${i}`, config));

test('mappings within the limits pass, grouped or not', () => {
  expect(pollerProblems([mapping('A', { MinimumPollers: 1, MaximumPollers: 3 }), mapping('B', {})])).toEqual([]);
  expect(pollerProblems(many(100, { MinimumPollers: 1, MaximumPollers: 20, PollerGroupName: 'g' }))).toEqual([]);
});

test('each mapping: MinimumPollers 1..200, MaximumPollers 1..2000, whole numbers, minimum not above maximum', () => {
  expect(pollerProblems([mapping('A', { MinimumPollers: 201, MaximumPollers: 300 })])).toEqual([
    'A: MinimumPollers is 201; Lambda accepts a whole number from 1 to 200',
  ]);
  expect(pollerProblems([mapping('A', { MaximumPollers: 2001 }), mapping('B', { MinimumPollers: 1.5 })])).toEqual([
    'A: MaximumPollers is 2001; Lambda accepts a whole number from 1 to 2000',
    'B: MinimumPollers is 1.5; Lambda accepts a whole number from 1 to 200',
  ]);
  expect(pollerProblems([mapping('A', { MinimumPollers: 5, MaximumPollers: 3 })])).toEqual(['A: MinimumPollers (5) is above MaximumPollers (3)']);
});

test('a group holds at most 100 mappings', () => {
  expect(pollerProblems(many(101, { MaximumPollers: 1, PollerGroupName: 'g' }))).toEqual([
    'poller group "g" has 101 event source mappings; Lambda allows at most 100 per group',
  ]);
  // Two groups of 60 are fine.
  expect(pollerProblems([...many(60, { MaximumPollers: 1, PollerGroupName: 'a' }), ...many(60, { MaximumPollers: 1, PollerGroupName: 'b' })])).toEqual([]);
});

test("a group's MaximumPollers add up to 2000 at most, an unset one counting as Lambda's default 200", () => {
  expect(pollerProblems(many(9, { MaximumPollers: 250, PollerGroupName: 'g' }))).toEqual([
    'poller group "g": the MaximumPollers of its 9 mappings add up to 2250; Lambda allows at most 2000 per group (lower maximumPollers or split the group)',
  ]);
  expect(pollerProblems(many(10, { PollerGroupName: 'g' }))).toEqual([]);
  expect(pollerProblems(many(11, { PollerGroupName: 'g' }))[0]).toMatch(/add up to 2200/);
  // Ungrouped mappings have no shared total.
  expect(pollerProblems(many(9, { MaximumPollers: 2000 }))).toEqual([]);
});

test("the stage's group is added to a mapping unless it names its own", () => {
  expect(withPollerGroup({ MinimumPollers: 1, MaximumPollers: 3 }, 'g')).toEqual({ MinimumPollers: 1, MaximumPollers: 3, PollerGroupName: 'g' });
  expect(withPollerGroup(undefined, 'g')).toEqual({ PollerGroupName: 'g' });
  expect(withPollerGroup({ MaximumPollers: 3, PollerGroupName: 'own' }, 'g')).toEqual({ MaximumPollers: 3, PollerGroupName: 'own' });
  expect(withPollerGroup({ MaximumPollers: 3 }, '')).toEqual({ MaximumPollers: 3 });
});

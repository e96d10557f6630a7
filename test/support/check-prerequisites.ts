/** `npm test` runs this first, so a machine missing a piece learns it in a second, not after the type-check. */
import { exitIfPrerequisitesMissing } from './prerequisites';

void exitIfPrerequisitesMissing();

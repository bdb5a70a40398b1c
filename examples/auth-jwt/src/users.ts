import { IsBoolean, IsOptional, IsString } from '@fastts/core/validators';
import { verifyPassword } from './passwords.js';

/** What the API shows of a user: the `responseModel` of GET /users/me, which leaves the hash out. */
export class User {
  @IsString()
  username!: string;

  @IsOptional()
  @IsString()
  email?: string;

  @IsOptional()
  @IsString()
  full_name?: string;

  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

/** A user as stored: the hash of the password, never the password, and the scopes the user may be granted. */
export interface UserInDB extends User {
  hashed_password: string;
  scopes: readonly string[];
}

/**
 * The tutorial's fake database. The passwords are `secret` (johndoe) and
 * `secret2` (alice, who is disabled); each hash was made by `hashPassword`.
 */
export const fakeUsersDb: ReadonlyMap<string, UserInDB> = new Map([
  [
    'johndoe',
    {
      username: 'johndoe',
      full_name: 'John Doe',
      email: 'johndoe@example.com',
      hashed_password: 'scrypt$ln=15,r=8,p=3$-KbbfAd2yT5cC-Q--nG1lg$2rQpunLX2WbiFfnjdZitoaENgUx4dHrjbOI2JEAjd28',
      disabled: false,
      scopes: ['me', 'items'],
    },
  ],
  [
    'alice',
    {
      username: 'alice',
      full_name: 'Alice Chains',
      email: 'alicechains@example.com',
      hashed_password: 'scrypt$ln=15,r=8,p=3$wuC8h2GeWaX6Zt-ppv82ZQ$c77TAl1CYD_DU--IotSoNgKwF-NfzguAIKFZlg8llzs',
      disabled: true,
      scopes: ['me', 'items'],
    },
  ],
]);

/** Checked when the user does not exist, so that an unknown name takes as long to refuse as a wrong password. */
const DUMMY_HASH = 'scrypt$ln=15,r=8,p=3$RrPcAwFNsX68aIBMcPzKsg$OoCmC6VfpSiauUKVBYlGvtJdI-3slAlK3gZb475SeqU';

export function getUser(username: string): UserInDB | undefined {
  return fakeUsersDb.get(username);
}

/** The user whose name and password these are, or undefined (unknown user or wrong password: the caller cannot tell which). */
export async function authenticateUser(username: string, password: string): Promise<UserInDB | undefined> {
  const user = getUser(username);
  if (!user) {
    await verifyPassword(password, DUMMY_HASH);
    return undefined;
  }
  return (await verifyPassword(password, user.hashed_password)) ? user : undefined;
}

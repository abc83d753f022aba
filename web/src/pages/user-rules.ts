import type { Role } from "../access";

export interface UserPowers {
  changeRole: boolean;
  changeStatus: boolean;
  resetPassword: boolean;
  remove: boolean;
}

/** What the viewer may do to a user, as the API allows it (docs/rbac.md): moderators act only
 * on regular users, admins on anyone; nobody changes their own role or deletes themselves here. */
export function userPowers(
  viewer: { id: string; role: Role },
  target: { id: string; role: Role },
): UserPowers {
  const self = viewer.id === target.id;
  const admin = viewer.role === "admin";
  const overRegular = viewer.role === "moderator" && target.role === "user";
  return {
    changeRole: admin && !self,
    changeStatus: !self && (admin || overRegular),
    resetPassword: !self && (admin || overRegular),
    remove: admin && !self,
  };
}
